/**
 * Types, permissions, name validation and the values merge shared by envmesh's frontend and backend packages.
 *
 * @packageDocumentation
 */

export * from './names';
export * from './permissions';
export * from './types';
export * from './values/mergeValues';
