'use strict';
// Builds dist/ once before the test run when it is missing or older than the sources, so the
// tests that load the built module.js (in Node and in Chromium) pass on a fresh clone where
// nobody ran `npm run build`, without paying for a rebuild on every run.
const path = require('path');
const fs = require('fs');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      newest = Math.max(newest, newestMtime(full));
    } else if (!/\.test\.tsx?$/.test(entry.name)) {
      newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  }
  return newest;
}

function isStale(pluginDir) {
  const built = path.join(pluginDir, 'dist', 'module.js');
  if (!fs.existsSync(built) || !fs.existsSync(path.join(pluginDir, 'dist', 'plugin.json'))) {
    return true;
  }
  const inputs = Math.max(
    newestMtime(path.join(pluginDir, 'src')),
    fs.statSync(path.join(pluginDir, 'package.json')).mtimeMs,
    fs.statSync(path.join(pluginDir, 'README.md')).mtimeMs,
    fs.statSync(path.join(__dirname, 'webpack.config.js')).mtimeMs
  );
  return fs.statSync(built).mtimeMs < inputs;
}

function build(pluginDir) {
  const webpack = require('webpack');
  const { makeConfig } = require('./webpack.config');
  const config = makeConfig(pluginDir, { production: true });
  return new Promise((resolve, reject) => {
    webpack(config, (err, stats) => {
      if (err) {
        reject(err);
        return;
      }
      if (stats.hasErrors()) {
        reject(new Error(stats.toString({ all: false, errors: true })));
        return;
      }
      resolve();
    });
  });
}

module.exports = async function globalSetup(_globalConfig, projectConfig) {
  const pluginDir = projectConfig.rootDir;
  if (isStale(pluginDir)) {
    const started = Date.now();
    await build(pluginDir);
    process.stderr.write(`built ${path.basename(pluginDir)}/dist in ${Date.now() - started} ms\n`);
  }
};

module.exports.isStale = isStale;
module.exports.build = build;
