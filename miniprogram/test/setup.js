// Every test starts with a fresh `wx`, an empty fake server and a signed-out api module.
const { resetWx, server } = require('./wx-mock')

global.__server = server

beforeEach(() => {
  resetWx()
  jest.resetModules()
})
