const { render } = require('../helpers')

test.each([
  ['received', '已受理', 'badge-info'],
  ['routed', '办理中', 'badge-progress'],
  ['replied', '已答复', 'badge-success'],
  ['reopened', '重新办理', 'badge-warning'],
  ['closed', '已办结', 'badge-done'],
  ['rejected', '不予受理', 'badge-danger'],
])('%s shows the server label %s', (status, label, tone) => {
  const comp = render('components/status-badge/status-badge', { status, label })
  const badge = comp.querySelector('.badge')
  expect(badge.dom.textContent).toBe(label)
  expect(badge.dom.className).toContain(tone)
})

test('a status the mini-program does not know yet still shows its label', () => {
  const comp = render('components/status-badge/status-badge', { status: 'archived', label: '已归档' })
  expect(comp.querySelector('.badge').dom.textContent).toBe('已归档')
  expect(comp.querySelector('.badge').dom.className).toContain('badge-info')
})
