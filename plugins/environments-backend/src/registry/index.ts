export { ServiceImporter, persistServiceImport } from './ServiceImporter';
export type {
  ChartArchive,
  ImportedService,
  ServiceImportFailure,
  ServiceImporterOptions,
  ServiceImportResult,
  ServiceRegistryStore,
} from './ServiceImporter';
export { chartDigest } from './charts';
export type { ServiceImportSource } from './ImportSourceFetcher';
