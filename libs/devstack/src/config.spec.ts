import { loadDevStackConfig } from './config';

describe('loadDevStackConfig', () => {
  it('uses the project port conventions by default', () => {
    const c = loadDevStackConfig({});
    expect(c.ports).toEqual({ order: 3000, inventory: 3001, payment: 3002 });
    expect(c.kafka.port).toBe(9092);
    expect(c.dataDir).toBe('.data');
    expect(c.externalDatabases).toBeNull();
  });

  it('targets external databases only when all three URLs are given', () => {
    const urls = {
      ORDER_DATABASE_URL: 'postgresql://u:p@db1/order',
      INVENTORY_DATABASE_URL: 'postgresql://u:p@db2/inventory',
      PAYMENT_DATABASE_URL: 'postgresql://u:p@db3/payment',
    };
    expect(loadDevStackConfig(urls).externalDatabases).toEqual({
      order: urls.ORDER_DATABASE_URL,
      inventory: urls.INVENTORY_DATABASE_URL,
      payment: urls.PAYMENT_DATABASE_URL,
    });
    expect(loadDevStackConfig({ ORDER_DATABASE_URL: urls.ORDER_DATABASE_URL }).externalDatabases).toBeNull();
  });

  it('runs on the embedded broker unless ORDERMESH_KAFKA says apache, and refuses any other broker', () => {
    expect(loadDevStackConfig({}).kafka.kind).toBe('embedded');
    const apache = loadDevStackConfig({ ORDERMESH_KAFKA: 'apache', JAVA_HOME: '/opt/jdk' }).kafka;
    expect(apache).toMatchObject({ kind: 'apache', port: 9092, controllerPort: 9093, javaHome: '/opt/jdk' });
    expect(() => loadDevStackConfig({ ORDERMESH_KAFKA: 'redpanda' })).toThrow(/ORDERMESH_KAFKA/);
  });

  it('fails fast naming a bad port', () => {
    expect(() => loadDevStackConfig({ ORDER_PORT: 'http' })).toThrow(/ORDER_PORT/);
  });

  it('passes extra PostgreSQL settings through and rejects a malformed one', () => {
    expect(
      loadDevStackConfig({
        ORDERMESH_PG_SETTINGS: 'shared_preload_libraries=pg_stat_statements  work_mem=8MB',
      }).postgresSettings,
    ).toEqual({ shared_preload_libraries: 'pg_stat_statements', work_mem: '8MB' });
    expect(loadDevStackConfig({}).postgresSettings).toEqual({});
    expect(() => loadDevStackConfig({ ORDERMESH_PG_SETTINGS: 'fsync' })).toThrow(/ORDERMESH_PG_SETTINGS/);
  });
});
