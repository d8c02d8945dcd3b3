export { StoreSimulator, type SimulatorOptions } from './simulator';
export { SIMULATOR_STREAMS, SIMULATOR_TABLES, SIMULATOR_LOOKBACK_MS } from './streams';
export { localDayStartUtc, zonedTimeToUtc } from './localTime';
