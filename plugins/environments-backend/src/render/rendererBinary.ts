import fs from 'node:fs';
import path from 'node:path';

/** The file name tools/build-binaries.sh gives the renderer, in the folder it builds helm into. */
export const RENDERER_BINARY_NAME = 'envmesh-helm-renderer';

/**
 * The renderer beside the helm binary (in its folder, or in the folder of the `helm` found on PATH when it
 * is a bare name), when there is one: built from the same helm packages as that helm, it renders the same.
 */
export function rendererBeside(helmBinary: string): string | undefined {
  const helm = helmBinary.includes(path.sep) ? helmBinary : onPath(helmBinary);
  if (!helm) return undefined;
  const renderer = path.join(path.dirname(helm), RENDERER_BINARY_NAME);
  return isExecutable(renderer) ? renderer : undefined;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
