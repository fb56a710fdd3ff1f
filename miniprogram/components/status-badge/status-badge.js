const { statusTone } = require('../../utils/format')
const elder = require('../../utils/elder')

/** A message's status as a coloured badge; the words are the server's status_label. */
Component({
  behaviors: [elder.behavior()],
  properties: {
    status: { type: String, value: '' },
    label: { type: String, value: '' },
  },
  data: { tone: 'info' },
  observers: {
    status(status) {
      this.setData({ tone: statusTone(status) })
    },
  },
})
