export { ServiceImporter, persistServiceImport } from './ServiceImporter';
export type {
  ChartArchive,
  ImportedService,
  ServiceImportFailure,
  ServiceImporterOptions,
  ServiceImportResult,
} from './ServiceImporter';
export { chartDigest } from './charts';
export type { ServiceImportSource } from './ImportSourceFetcher';
