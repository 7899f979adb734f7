/** Why the JVM broker could not be set up or started; `code` is stable for scripts and tests. */
export class ApacheKafkaError extends Error {
  constructor(
    readonly code:
      | 'APACHE_KAFKA.JAVA_MISSING'
      | 'APACHE_KAFKA.JAVA_TOO_OLD'
      | 'APACHE_KAFKA.MAVEN_MISSING'
      | 'APACHE_KAFKA.RESOLVE_FAILED'
      | 'APACHE_KAFKA.FORMAT_FAILED'
      | 'APACHE_KAFKA.START_FAILED',
    message: string,
  ) {
    super(message);
    this.name = 'ApacheKafkaError';
  }
}
