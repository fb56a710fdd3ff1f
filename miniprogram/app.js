const api = require('./utils/api')
const privacy = require('./utils/privacy')
const update = require('./utils/update')

App({
  onLaunch() {
    // Our own privacy prompt (components/privacy-popup) instead of WeChat's, from the start.
    privacy.start()
    update.watch()
    // Sign in early so the first tap that needs it does not wait; a failure here is fine,
    // every call that needs a token signs in again on its own.
    if (!api.session().token) api.login().catch(() => {})
  },
})
