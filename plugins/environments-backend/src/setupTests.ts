// Tests here start and wait on a real local cluster; repo-wide runs ignore a package's jest testTimeout.
jest.setTimeout(180_000);
