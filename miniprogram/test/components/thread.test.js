const { render, tap } = require('../helpers')

test('replies, follow-ups and status changes in order, times in Beijing time', () => {
  const comp = render('components/thread/thread', {
    items: [
      { kind: 'event', author: '系统', content: '已受理', created_at: '2026-11-16T01:05:00+00:00' },
      { kind: 'reply', author: '王建国（县级人大代表）', content: '路灯本周修好', created_at: '2026-11-16T02:00:00+00:00' },
      { kind: 'followup', author: '我', content: '谢谢', created_at: '2026-11-16T03:00:00+00:00' },
    ],
  })
  const rows = comp.querySelectorAll('.thread-item')
  expect(rows.map((r) => r.dom.className.match(/thread-(event|reply|followup)/)[1])).toEqual(['event', 'reply', 'followup'])
  expect(rows[1].dom.textContent).toContain('王建国（县级人大代表）')
  expect(rows[1].dom.textContent).toContain('路灯本周修好')
  expect(rows[1].dom.textContent).toContain('2026年11月16日 10:00')
})

test('an empty thread says so', () => {
  const comp = render('components/thread/thread', { items: [] })
  expect(comp.dom.textContent).toContain('还没有办理记录')
})

test('state view: loading, empty with an action, error with retry', async () => {
  const comp = render('components/state-view/state-view', { state: 'error', message: '网络连接失败，请检查网络后重试' })
  expect(comp.dom.textContent).toContain('网络连接失败，请检查网络后重试')
  const fired = []
  comp.addEventListener('retry', () => fired.push('retry'))
  await tap(comp, '.state-button')
  expect(fired).toEqual(['retry'])
  comp.setData({ state: 'loading', message: '' })
  expect(comp.dom.textContent).toContain('正在加载')
  comp.setData({ state: 'empty', message: '这里是空的' })
  expect(comp.dom.textContent).toContain('这里是空的')
})
