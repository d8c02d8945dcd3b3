'use strict';
const path = require('path');
const fs = require('fs');

// Jest setup shared by the panel plugins (create-plugin's layout: SWC transform, jsdom).
// d3 and a few other Grafana dependencies ship only ES modules (.mjs / "type": "module"),
// so node_modules is not blanket-ignored by the transform.
const ESM_PACKAGES = [
  'd3',
  'd3-[a-z-]+',
  'internmap',
  'delaunator',
  'robust-predicates',
  'ol',
  'marked',
  'uuid',
  'react-colorful',
  '@grafana/schema',
  '@wojtekmaj/date-utils',
  'get-user-locale',
  'memoize',
  'mimic-function',
  'ansicolor',
  'rxjs',
];

/**
 * Packages that declare "type": "module" change with every dependency bump, so they are read
 * from node_modules instead of being listed by hand.
 */
function esmPackages(nodeModules) {
  const found = new Set(ESM_PACKAGES);
  let entries = [];
  try {
    entries = fs.readdirSync(nodeModules);
  } catch {
    return [...found];
  }
  for (const entry of entries) {
    const names = entry.startsWith('@')
      ? fs.readdirSync(path.join(nodeModules, entry)).map((n) => `${entry}/${n}`)
      : [entry];
    for (const name of names) {
      try {
        const pkg = JSON.parse(fs.readFileSync(path.join(nodeModules, name, 'package.json'), 'utf8'));
        if (pkg.type === 'module') {
          found.add(name);
        }
      } catch {
        // not a package folder (.bin, .cache ...)
      }
    }
  }
  return [...found];
}

const escape = (name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** @param {string} pluginDir */
function makeJestConfig(pluginDir) {
  const esm = esmPackages(path.resolve(pluginDir, '../../node_modules')).map((n) =>
    ESM_PACKAGES.includes(n) ? n : escape(n)
  );
  return {
    rootDir: pluginDir,
    testEnvironment: 'jsdom',
    testMatch: ['<rootDir>/src/**/*.test.{ts,tsx}'],
    moduleFileExtensions: ['ts', 'tsx', 'js', 'jsx', 'mjs', 'cjs', 'json'],
    transform: {
      '^.+\\.(t|j)sx?$': ['@swc/jest', swcOptions()],
      '^.+\\.mjs$': ['@swc/jest', swcOptions()],
    },
    transformIgnorePatterns: [`node_modules/(?!(${esm.join('|')})/)`],
    setupFiles: [path.join(__dirname, 'jest-setup.js')],
    globalSetup: path.join(__dirname, 'jest-global-setup.js'),
    moduleNameMapper: { '\\.(css|scss|sass)$': path.join(__dirname, 'style-stub.js') },
    testTimeout: 60000,
  };
}

function swcOptions() {
  return {
    sourceMaps: 'inline',
    jsc: {
      parser: { syntax: 'typescript', tsx: true, decorators: false, dynamicImport: true },
      transform: { react: { runtime: 'automatic' } },
      target: 'es2020',
    },
    module: { type: 'commonjs' },
  };
}

module.exports = { makeJestConfig };
