// Device decoders, line framing and simulators: pure functions and classes, no I/O.
// Standards: Bluetooth SIG GATT Specification Supplement (./gatt.ts), NMEA 0183 (./nmea.ts),
// SAE J1979 / ISO 15031-5 via the ELM327 command set (./obd.ts).

export { DeviceDataError, type DeviceDataErrorCode } from './errors';
export * as deviceLimits from './limits';

export {
  decodeHeartRate,
  decodeTemperature,
  decodeHumidity,
  decodePressure,
  decodeBatteryLevel,
  encodeHeartRate,
  encodeTemperature,
  encodeHumidity,
  encodePressure,
  encodeBatteryLevel,
  gattUuids,
  gattUuid128,
  rrInterval,
  type HeartRateMeasurement,
  type HeartRateMeasurementInput,
  type RrInterval,
  type SensorContact,
  type TemperatureReading,
  type HumidityReading,
  type PressureReading,
  type BatteryLevelReading,
} from './gatt';

export {
  parseNmea,
  nmeaChecksum,
  formatNmeaSentence,
  knotsToKmh,
  type NmeaSentence,
  type RmcSentence,
  type GgaSentence,
  type VtgSentence,
  type GsaSentence,
  type NmeaTime,
  type NmeaDate,
  type NmeaFaaMode,
  type NmeaNavigationStatus,
  type GgaFixQualityName,
  type ParseNmeaOptions,
} from './nmea';

export {
  decodeObdResponse,
  obdPids,
  supportedPidsFromBitmap,
  crc8J1850,
  engineLoadPercent,
  coolantTemperatureCelsius,
  fuelPressureKpa,
  intakeManifoldPressureKpa,
  engineSpeedRpm,
  vehicleSpeedKmh,
  timingAdvanceDegrees,
  intakeAirTemperatureCelsius,
  mafGramsPerSecond,
  throttlePositionPercent,
  runTimeSeconds,
  distanceWithMilKm,
  fuelTankLevelPercent,
  distanceSinceCodesClearedKm,
  barometricPressureKpa,
  controlModuleVoltageVolts,
  ambientAirTemperatureCelsius,
  engineOilTemperatureCelsius,
  engineFuelRateLitresPerHour,
  type ObdReply,
  type ObdDataReply,
  type ObdStatusReply,
  type ObdReading,
  type ObdNegativeResponse,
  type ObdValue,
  type ObdQuantity,
  type ObdUnit,
  type ObdPidDefinition,
  type ElmStatus,
} from './obd';

export { LineSplitter, type LineEvent, type LineSplitterOptions } from './lineSplitter';

export {
  simulateHeartRate,
  simulateEnvironment,
  type HeartRateSimulator,
  type HeartRateState,
  type EnvironmentSimulator,
  type EnvironmentState,
  type EnvironmentValues,
} from './gattSimulators';
export { createDriveProfile, type DriveProfile, type VehicleState } from './driveProfile';
export {
  Elm327Simulator,
  elm327Identification,
  type Elm327SimulatorOptions,
  type Elm327Settings,
} from './elm327Simulator';
export { GpsSimulator, type GpsSimulatorOptions, type GpsFix, type GeoPoint } from './gpsSimulator';

// Transports (issue 6): browser objects behind small structural types, so fakes and demo devices
// run the same code after the transport.
export {
  kindCapabilities,
  describeError,
  type DeviceReading,
  type DeviceSession,
  type TransportHandlers,
  type ConnectionState,
  type DeviceKind,
  type ReadingValue,
} from './transport';
export {
  pairGattSensor,
  startGattSession,
  heartRateProfile,
  environmentProfile,
  type BluetoothLike,
  type BluetoothDeviceLike,
  type GattProfile,
  type GattOptions,
} from './bluetooth';
export {
  BleElmLink,
  bleElmLayouts,
  pairBleElm327,
  startBleElm327,
  type BleElmOptions,
} from './bleElm';
export {
  SerialLink,
  startElm327,
  startNmea,
  startJsonSensor,
  parseJsonReading,
  elmInitCommands,
  elmPolledPids,
  defaultBaud,
  type SerialLike,
  type SerialPortLike,
  type ElmOptions,
} from './serial';
export {
  simulatedSerialPort,
  simulatedSerial,
  simulatedGattDevice,
  simulatedBluetooth,
  type SimulatedSerialKind,
  type SimulatedGattKind,
} from './demo';
