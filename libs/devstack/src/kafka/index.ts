export * from './apache-kafka';
export * from './apache-kafka-errors';
export * from './broker-jars';
export * from './java';
export * from './kafka-broker';
export * from './server-properties';
