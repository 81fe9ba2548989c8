import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// `make screenshots` (scripts/screenshots.sh): PNGs of every page, light and dark.
export default defineConfig({ ...base, testDir: './screenshots', timeout: 120_000, workers: 1, projects: undefined });
