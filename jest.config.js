/** Integration tests share one Redis and one FerretDB (started by tools/with-services.ts);
 * each test file uses its own database and queue prefix. Two workers fit the 2-core machine. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // otplib's audited crypto and base32 (@noble, @scure) ship as ES modules only; Jest runs CommonJS.
    '^.+/node_modules/@(noble|scure)/.+\\.js$': ['ts-jest', { diagnostics: false, tsconfig: { allowJs: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@noble|@scure)/)'],
  maxWorkers: 2,
  // A worker whose heap grew past this after a file is replaced: in CI a worker that had run many
  // engine files ended up spinning in garbage collection until the 90-minute limit.
  workerIdleMemoryLimit: '800MB',
  testTimeout: 60000,
  verbose: true,
};
