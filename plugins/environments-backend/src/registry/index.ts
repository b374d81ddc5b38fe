export { ServiceImporter, persistServiceImport } from './ServiceImporter';
export type {
  ChartArchive,
  ImportedService,
  ServiceImportFailure,
  ServiceImporterOptions,
  ServiceImportResult,
  ServiceImportSource,
  ServiceRegistryStore,
} from './ServiceImporter';
export { chartDigest } from './charts';
