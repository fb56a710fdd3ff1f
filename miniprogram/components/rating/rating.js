const { RATINGS } = require('../../utils/format')
const elder = require('../../utils/elder')

/**
 * 满意 / 基本满意 / 不满意: pick one, optionally say why, then confirm. Two taps on purpose:
 * 不满意 reopens the item, which should not happen by a slip of the thumb.
 * Fires `rate` with { score, comment }.
 */
Component({
  behaviors: [elder.behavior()],
  properties: {
    busy: { type: Boolean, value: false },
  },
  data: {
    ratings: RATINGS,
    selected: '',
    comment: '',
  },
  methods: {
    onPick(e) {
      this.setData({ selected: e.currentTarget.dataset.score })
    },
    onComment(e) {
      this.setData({ comment: e.detail.value })
    },
    onConfirm() {
      if (!this.data.selected || this.data.busy) return
      this.triggerEvent('rate', {
        score: this.data.selected,
        comment: this.data.comment.trim(),
      })
    },
  },
})
