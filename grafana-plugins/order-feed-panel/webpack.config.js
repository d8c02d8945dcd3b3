'use strict';
const { makeConfig } = require('../shared-config/webpack.config');

module.exports = (env = {}) => makeConfig(__dirname, env);
