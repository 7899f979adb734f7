import { UsageError, parseArgs } from './cli';

describe('cli parseArgs', () => {
  it('parses every serve flag', () => {
    const { options, verbose } = parseArgs([
      'serve',
      '--port',
      '0',
      '--host',
      '0.0.0.0',
      '--data-dir',
      '.data/kafka',
      '--partitions',
      '3',
      '--no-auto-create',
      '--max-request-bytes=2048',
      '--retention-ms',
      '60000',
      '--retention-bytes',
      '-1',
      '--verbose',
    ]);
    expect(options).toEqual({
      port: 0,
      host: '0.0.0.0',
      dataDir: '.data/kafka',
      defaultPartitions: 3,
      autoCreateTopics: false,
      maxRequestBytes: 2048,
      retentionMs: 60000,
      retentionBytes: -1,
    });
    expect(verbose).toBe(true);
  });

  it('defaults to 127.0.0.1:9092 in memory', () => {
    expect(parseArgs(['serve']).options).toEqual({ port: 9092, host: '127.0.0.1' });
  });

  it.each([
    [[]],
    [['run']],
    [['serve', '--bogus']],
    [['serve', '--port']],
    [['serve', '--port', 'abc']],
    [['serve', '--port', '70000']],
    [['serve', '--partitions', '0']],
    [['serve', '--max-request-bytes', '10']],
    [['serve', '--retention-ms', '-5']],
    [['serve', '--no-auto-create=yes']],
  ])('rejects %j', (argv) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
  });
});
