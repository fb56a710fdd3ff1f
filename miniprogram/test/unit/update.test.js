/** A new version: 「新版本已准备好，是否重启？」 — a dialog normally, inline in 长辈版; restart on yes. */
const path = require('path')
const { mod, render, settle, tap, text, find, ROOT } = require('../helpers')
const wxMock = require('../wx-mock')

function launch() {
  let app = null
  global.App = jest.fn((definition) => (app = definition))
  require(path.join(ROOT, 'app.js'))
  app.onLaunch()
  return app
}

afterEach(() => {
  delete global.App
})

test('app.js takes over the privacy prompt and watches for updates at launch', () => {
  launch()
  expect(wx.onNeedPrivacyAuthorization).toHaveBeenCalledTimes(1)
  expect(wx.getUpdateManager).toHaveBeenCalled()
  expect(wxMock.updateManager().onUpdateReady).toHaveBeenCalled()
  expect(wxMock.updateManager().applyUpdate).not.toHaveBeenCalled()
})

test('normal mode: a dialog; 重启 applies the update', async () => {
  launch()
  wxMock.updateManager().becomeReady()
  await settle()
  expect(wx.showModal).toHaveBeenCalledWith(
    expect.objectContaining({ content: '新版本已准备好，是否重启？', confirmText: '重启', cancelText: '稍后' })
  )
  expect(wxMock.updateManager().applyUpdate).toHaveBeenCalledTimes(1)
})

test('normal mode: 稍后 keeps the running version', async () => {
  wx.showModal.mockImplementation((opts) => opts.success({ confirm: false, cancel: true }))
  launch()
  wxMock.updateManager().becomeReady()
  await settle()
  expect(wxMock.updateManager().applyUpdate).not.toHaveBeenCalled()
})

test('长辈版: the question is in the page, not a dialog; 重启 applies the update', async () => {
  mod('utils/elder').setOn(true)
  const page = render('pages/entry/entry')
  page.instance.onLoad({})
  launch()
  wxMock.updateManager().becomeReady()
  await settle()
  expect(wx.showModal).not.toHaveBeenCalled()
  expect(text(page, '#inline-alert >>> #alert-text')).toBe('新版本已准备好，是否重启？')
  expect(wxMock.updateManager().applyUpdate).not.toHaveBeenCalled()
  await tap(page, '#inline-alert >>> #alert-confirm')
  expect(wxMock.updateManager().applyUpdate).toHaveBeenCalledTimes(1)
  expect(find(page, '#inline-alert >>> #alert')).toBeFalsy()
})

test('长辈版: 稍后 takes the question away and restarts nothing', async () => {
  mod('utils/elder').setOn(true)
  const page = render('pages/mine/mine')
  launch()
  wxMock.updateManager().becomeReady()
  await settle()
  await tap(page, '#inline-alert >>> #alert-cancel')
  expect(find(page, '#inline-alert >>> #alert')).toBeFalsy()
  expect(wxMock.updateManager().applyUpdate).not.toHaveBeenCalled()
})

test('an old base library without getUpdateManager: launch still works', () => {
  delete wx.getUpdateManager
  expect(() => launch()).not.toThrow()
})
