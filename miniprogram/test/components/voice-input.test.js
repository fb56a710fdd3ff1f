/**
 * 按住说话 (the 同声传译 plugin, faked in test/wx-mock.js): what is heard is appended to what was
 * typed; without the plugin, the microphone or the privacy guide the button goes and typing
 * still works. The real plugin and WeChat's recorder cannot run here.
 */
const { render, mod, server, settle, text, type, find, scanAnswer } = require('../helpers')
const wxMock = require('../wx-mock')

async function form() {
  mod('utils/api').configure({ baseUrl: 'https://lz.example.cn', retryDelays: [1, 1], sandbox: null })
  server.on('GET', '/scan/s.abcd1234', () => ({ statusCode: 200, data: scanAnswer() }))
  const page = render('pages/submit/submit')
  page.instance.onLoad({ scene: 's.abcd1234' })
  await settle()
  return page
}

async function press(page) {
  find(page, '#voice-input >>> #voice').dispatchEvent('touchstart')
  await settle()
}

async function release(page) {
  find(page, '#voice-input >>> #voice').dispatchEvent('touchend')
  await settle()
}

test('plugin present: hold, speak, release — the words are added after what was typed', async () => {
  const page = await form()
  expect(global.requirePlugin).toHaveBeenCalledWith('WechatSI')
  expect(text(page, '#voice-input >>> #voice')).toBe('🎤 按住说话')
  await type(page, '#content', '金竹西路')
  wxMock.recognizer().heard = '路灯坏了一个月了'
  await press(page)
  expect(wxMock.recognizer().start).toHaveBeenCalledWith({ lang: 'zh_CN', duration: 60000 })
  expect(text(page, '#voice-input >>> #voice')).toBe('正在听，说完松开')
  await release(page)
  expect(wxMock.recognizer().stop).toHaveBeenCalledTimes(1)
  expect(page.instance.data.content).toBe('金竹西路路灯坏了一个月了')
  expect(text(page, '#counter')).toBe('12/2000')
  expect(text(page, '#voice-input >>> #voice')).toBe('🎤 按住说话')
})

test('nothing heard: nothing added, and a word to try again', async () => {
  const page = await form()
  await press(page)
  await release(page)
  expect(page.instance.data.content).toBe('')
  expect(text(page, '#voice-input >>> #voice-hint')).toBe('没有听清，请按住按钮再说一次')
})

test('plugin missing: no button, typing works', async () => {
  wxMock.removePlugin('WechatSI')
  const page = await form()
  expect(find(page, '#voice-input >>> #voice')).toBeFalsy()
  expect(find(page, '#voice-input >>> #voice-unavailable')).toBeFalsy()
  await type(page, '#content', '路灯坏了')
  expect(text(page, '#counter')).toBe('4/2000')
})

test('no requirePlugin at all (an old base library): no button', async () => {
  delete global.requirePlugin
  const page = await form()
  expect(find(page, '#voice-input >>> #voice')).toBeFalsy()
})

test('the microphone never asked: the first press asks, the next one records', async () => {
  wxMock.setMicrophone(undefined)
  const page = await form()
  await press(page)
  expect(wx.authorize).toHaveBeenCalledWith(expect.objectContaining({ scope: 'scope.record' }))
  expect(wxMock.recognizer().start).not.toHaveBeenCalled()
  expect(text(page, '#voice-input >>> #voice-hint')).toBe('已允许使用麦克风，请再按住按钮说话')
  await release(page)
  await press(page)
  expect(wxMock.recognizer().start).toHaveBeenCalledTimes(1)
})

test('the microphone refused: the button goes, a word says to type, typing works', async () => {
  wxMock.setMicrophone(false)
  const page = await form()
  await press(page)
  expect(find(page, '#voice-input >>> #voice')).toBeFalsy()
  expect(text(page, '#voice-input >>> #voice-unavailable')).toBe('不能使用麦克风，请直接打字输入')
  expect(wxMock.recognizer().start).not.toHaveBeenCalled()
  await type(page, '#content', '路灯坏了')
  expect(page.instance.data.content).toBe('路灯坏了')
})

test('the recorder fails (-30001): the button goes', async () => {
  const page = await form()
  await press(page)
  wxMock.recognizer().onError({ retcode: -30001, msg: 'record fail' })
  await settle()
  expect(find(page, '#voice-input >>> #voice')).toBeFalsy()
  expect(text(page, '#voice-input >>> #voice-unavailable')).toBe('不能使用麦克风，请直接打字输入')
})

test('the privacy guide refused at the first press: no voice, and photos and place say why', async () => {
  wxMock.privacy.agreed = false
  wxMock.setMicrophone(undefined)
  mod('utils/elder').setOn(true)
  const page = await form()
  await press(page)
  // 长辈版: the question sits right under the voice button.
  expect(find(page, '#privacy-voice >>> #privacy')).toBeTruthy()
  expect(text(find(page, '#privacy-voice'), '#privacy-reason')).toContain('语音输入需要使用麦克风')
  await settle()
  find(find(page, '#privacy-voice'), '#privacy-disagree').dispatchEvent('tap')
  await settle(30)
  expect(find(page, '#voice-input >>> #voice')).toBeFalsy()
  expect(text(page, '#voice-input >>> #voice-unavailable')).toBe('您没有同意隐私保护指引，暂时不能说话输入，请直接打字')
  expect(text(page, '#photos-why')).toContain('暂时不能添加照片')
  expect(wxMock.recognizer().start).not.toHaveBeenCalled()
})
