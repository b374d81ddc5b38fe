export { ServiceImporter, persistServiceImport } from './ServiceImporter';
export type { ServiceImportResult } from './ServiceImporter';

export type { ServiceImportSource } from './ImportSourceFetcher';
