'use strict';
const { makeJestConfig } = require('../shared-config/jest.config.base');

module.exports = makeJestConfig(__dirname);
