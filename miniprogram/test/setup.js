// Every test starts with a fresh `wx`, an empty fake server and a signed-out api module.
const { resetWx, server } = require('./wx-mock')

global.__server = server

// WeChat's WXML compiler (wcc) compiles the whole project again in every fresh module
// registry — every test — at a few hundred ms each. The WXML does not change during a run:
// compile it once per test file and hand the same output to every render.
const compiledWxml = {}
jest.doMock('miniprogram-compiler', () => {
  const real = jest.requireActual('miniprogram-compiler')
  return Object.assign({}, real, {
    wxmlToJs(rootPath, options) {
      const key = rootPath + '\n' + JSON.stringify(options || null)
      if (!(key in compiledWxml)) compiledWxml[key] = real.wxmlToJs(rootPath, options)
      return compiledWxml[key]
    },
  })
})

beforeEach(() => {
  resetWx()
  jest.resetModules()
})
