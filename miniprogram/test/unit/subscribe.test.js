const { mod } = require('../helpers')

let requestSubscribe
beforeEach(() => {
  mod('utils/api').configure({ sandbox: null })
  requestSubscribe = mod('utils/subscribe').requestSubscribe
})

test('only accepts count; reject, ban and filter do not', async () => {
  wx.requestSubscribeMessage.mockImplementation((opts) =>
    opts.success({ errMsg: 'requestSubscribeMessage:ok', a: 'accept', b: 'reject', c: 'ban' })
  )
  await expect(requestSubscribe(['a', 'b', 'c'])).resolves.toEqual(['a'])
})

test('at most three templates per dialog, empty ids dropped, nothing asked for none', async () => {
  await requestSubscribe(['a', '', 'b', 'c', 'd'])
  expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['a', 'b', 'c'])
  await expect(requestSubscribe([''])).resolves.toEqual([])
  expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1)
})

test('the dialog is asked for synchronously, inside the tap', () => {
  requestSubscribe(['a'])
  expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1) // before any await
})

test('a failing or missing API means no notices, never an error', async () => {
  wx.requestSubscribeMessage.mockImplementation((opts) => opts.fail({ errMsg: 'requestSubscribeMessage:fail 20004' }))
  await expect(requestSubscribe(['a'])).resolves.toEqual([])
  wx.requestSubscribeMessage.mockImplementation(() => {
    throw new Error('not supported')
  })
  await expect(requestSubscribe(['a'])).resolves.toEqual([])
  delete wx.requestSubscribeMessage
  await expect(requestSubscribe(['a'])).resolves.toEqual([])
})

test('the citizen is asked for reply, progress and 「问题解决了吗」 in the loop\'s order', () => {
  const { citizenTemplates } = mod('utils/subscribe')
  const saved = { reply: 'r0', progress: 'p0', solved: 's0', new_item: 'n0' }
  expect(citizenTemplates(null, saved)).toEqual(['r0', 'p0', 's0'])
  // the server's ids win over the build's, and a missing one is left out, never asked as ''
  expect(citizenTemplates({ reply: 'r1', solved: '' }, { progress: 'p0' })).toEqual(['r1', 'p0'])
  expect(citizenTemplates({}, {})).toEqual([])
})
