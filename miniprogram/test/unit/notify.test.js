/** Messages and questions: toasts and dialogs normally, inline (components/inline-alert) in 长辈版. */
const { mod, render, settle, tap, text, find } = require('../helpers')

let notify
beforeEach(() => {
  notify = mod('utils/notify')
})

test('normal mode: the message unchanged, a toast if short, a dialog if long', () => {
  notify.showError(new Error('找不到这条反映'))
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '找不到这条反映', icon: 'none' }))
  notify.showError(new Error('该邀请码已被使用，请联系联络站工作人员重新生成'))
  expect(wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ content: '该邀请码已被使用，请联系联络站工作人员重新生成', showCancel: false }))
  expect(notify.showError(null, '群众没有留下电话')).toBe('群众没有留下电话')
  expect(notify.showError(null)).toBe('服务器开小差了，请稍后再试')
  expect(notify.current()).toBeNull()
})

test('normal mode: a question is a dialog, and its answer is the promise', async () => {
  wx.showModal.mockImplementationOnce((opts) => opts.success({ confirm: false, cancel: true }))
  await expect(notify.ask({ text: '确定吗？', confirmText: '好', cancelText: '不' })).resolves.toBe(false)
  expect(wx.showModal.mock.calls[0][0]).toMatchObject({ content: '确定吗？', confirmText: '好', cancelText: '不' })
  await expect(notify.ask({ text: '确定吗？' })).resolves.toBe(true)
})

test('长辈版: no toast, no dialog; the text waits in the page until 知道了', async () => {
  mod('utils/elder').setOn(true)
  const page = render('pages/deputy/bind/bind')
  await settle()
  notify.tell('已开启提醒')
  await settle(2)
  expect(wx.showToast).not.toHaveBeenCalled()
  expect(text(page, '#inline-alert >>> #alert-text')).toBe('已开启提醒')
  expect(find(page, '#inline-alert >>> #alert-cancel')).toBeFalsy()
  await tap(page, '#inline-alert >>> #alert-confirm')
  expect(find(page, '#inline-alert >>> #alert')).toBeFalsy()
})

test('长辈版: a question answered inline; a newer message replaces it as "no"', async () => {
  mod('utils/elder').setOn(true)
  const page = render('pages/mine/mine')
  await settle()
  const first = notify.ask({ text: '新版本已准备好，是否重启？', confirmText: '重启', cancelText: '稍后' })
  await settle(2)
  expect(text(page, '#inline-alert >>> #alert-cancel')).toBe('稍后')
  await tap(page, '#inline-alert >>> #alert-confirm')
  await expect(first).resolves.toBe(true)
  const second = notify.ask({ text: '再问一次？' })
  notify.tell('网络连接失败，请检查网络后重试')
  await expect(second).resolves.toBe(false)
  await settle(2)
  expect(text(page, '#inline-alert >>> #alert-text')).toBe('网络连接失败，请检查网络后重试')
  expect(wx.showModal).not.toHaveBeenCalled()
})

test('a confirmation: a success toast normally; in 长辈版 the inline bar, no toast', async () => {
  expect(notify.flash('已发送', 'success')).toBe('已发送')
  expect(wx.showToast).toHaveBeenCalledWith({ title: '已发送', icon: 'success' })
  notify.flash('请选择反映类别')
  expect(wx.showToast).toHaveBeenLastCalledWith({ title: '请选择反映类别', icon: 'none' })
  expect(notify.current()).toBeNull()

  mod('utils/elder').setOn(true)
  wx.showToast.mockClear()
  const page = render('pages/mine/mine')
  await settle()
  notify.flash('已发送', 'success')
  await settle(2)
  expect(wx.showToast).not.toHaveBeenCalled()
  expect(text(page, '#inline-alert >>> #alert-text')).toBe('已发送')
})
