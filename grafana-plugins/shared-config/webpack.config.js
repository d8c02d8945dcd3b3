// Build config shared by the panel plugins. It mirrors what @grafana/create-plugin generates
// (webpack + SWC, AMD module.js with Grafana's shared modules left external), written as plain
// CommonJS so no ts-node step is needed on Node 20.
'use strict';
const path = require('path');
const fs = require('fs');
const CopyWebpackPlugin = require('copy-webpack-plugin');

// Modules Grafana provides to plugins at runtime through its AMD/SystemJS loader. Bundling our
// own copy of any of these would give the panel a second React or a second theme context.
const GRAFANA_EXTERNALS = [
  'lodash',
  'jquery',
  'moment',
  'slate',
  'emotion',
  '@emotion/react',
  '@emotion/css',
  'prismjs',
  'slate-plain-serializer',
  '@grafana/slate-react',
  'react',
  'react-dom',
  'react-redux',
  'redux',
  'rxjs',
  'rxjs/operators',
  'react-router',
  'react-router-dom',
  'd3',
  'angular',
  '@grafana/ui',
  '@grafana/runtime',
  '@grafana/data',
  '@grafana/schema',
];

/**
 * @param {string} pluginDir absolute path of the plugin package
 * @param {{production?: boolean}} env
 */
function makeConfig(pluginDir, env = {}) {
  const pluginJson = JSON.parse(fs.readFileSync(path.join(pluginDir, 'src/plugin.json'), 'utf8'));
  const pkg = JSON.parse(fs.readFileSync(path.join(pluginDir, 'package.json'), 'utf8'));
  const production = Boolean(env.production);
  const buildDate = new Date().toISOString().slice(0, 10);
  return {
    mode: production ? 'production' : 'development',
    context: path.join(pluginDir, 'src'),
    devtool: production ? 'source-map' : 'eval-source-map',
    entry: { module: './module.ts' },
    externals: [
      ...GRAFANA_EXTERNALS,
      // Grafana also serves its own app modules under "grafana/..." to plugins.
      ({ request }, callback) => {
        const prefix = 'grafana/';
        if (request && request.startsWith(prefix)) {
          return callback(undefined, request.slice(prefix.length));
        }
        return callback();
      },
    ],
    // Grafana loads module.js over AMD, and public path must point at the plugin's own folder
    // so lazily loaded assets resolve; uniqueName keeps two plugins' webpack runtimes apart.
    output: {
      clean: true,
      filename: '[name].js',
      path: path.join(pluginDir, 'dist'),
      publicPath: `public/plugins/${pluginJson.id}/`,
      uniqueName: pluginJson.id,
      library: { type: 'amd' },
    },
    module: {
      rules: [
        {
          test: /\.[tj]sx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                baseUrl: path.join(pluginDir, 'src'),
                target: 'es2020',
                loose: false,
                parser: { syntax: 'typescript', tsx: true, decorators: false, dynamicImport: true },
                transform: { react: { runtime: 'automatic' } },
              },
            },
          },
        },
        {
          test: /\.(png|jpe?g|gif|svg)$/,
          type: 'asset/resource',
          generator: { filename: 'img/[hash][ext]' },
        },
      ],
    },
    resolve: { extensions: ['.ts', '.tsx', '.js', '.jsx'] },
    plugins: [
      new CopyWebpackPlugin({
        patterns: [
          { from: '../README.md', to: '.' },
          { from: '../CHANGELOG.md', to: '.', noErrorOnMissing: true },
          { from: '../LICENSE', to: '.', noErrorOnMissing: true },
          { from: 'img/**/*', to: '.', noErrorOnMissing: true },
          {
            from: 'plugin.json',
            to: '.',
            // create-plugin substitutes these placeholders at build time; so do we.
            transform(content) {
              return content
                .toString()
                .replace(/%VERSION%/g, pkg.version)
                .replace(/%TODAY%/g, buildDate);
            },
          },
        ],
      }),
    ],
    performance: { hints: false },
    stats: 'errors-warnings',
  };
}

module.exports = { makeConfig, GRAFANA_EXTERNALS };
