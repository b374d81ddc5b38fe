import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// The machine running the tests is shared and often busy: give asynchronous queries (findBy…, waitFor) more
// time than the default second before they fail.
configure({ asyncUtilTimeout: 5_000 });
