// Component and page tests: miniprogram-simulate renders our components under jsdom with the
// official WXML compiler that ships in its npm package; `wx` is the shim in test/wx-mock.js.
module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.js'],
  testPathIgnorePatterns: ['/node_modules/', '/test/contract/'],
  setupFilesAfterEnv: ['<rootDir>/test/setup.js'],
  testTimeout: 20000,
}
