/**
 * Where the mini-program talks to, per WeChat environment.
 *
 * WeChat tells us which build is running (develop = DevTools / preview, trial = 体验版,
 * release = 正式版), so one package can be uploaded without editing this file between builds.
 * Production needs an https domain registered as a request/uploadFile/downloadFile legal domain
 * (服务器域名) in the mini-program console; develop may use http://127.0.0.1 with
 * "不校验合法域名" ticked in DevTools (see README.md).
 */

// Template ids as registered in the mini-program console (订阅消息 → 我的模板).
// The develop values are the WeChat sandbox's (wechat_sandbox/defaults.py).
const SANDBOX_TEMPLATES = {
  reply: 'sbx-reply-tmpl-4Yh2kL9qW3xN7pR5tV8zB1cD',
  new_item: 'sbx-newitem-tmpl-7Gm3nP6rS9uX2wZ5aC8eF0',
  reminder: 'sbx-remind-tmpl-2Jk5mQ8tV1yB4dG7hL0pS3',
  progress: 'sbx-progress-tmpl-5Rt8yU1iO4pA7sD0fG3hJ6',
  solved: 'sbx-solved-tmpl-9Kl2zX5cV8bN1mQ4wE7rT0y',
}

const ENVIRONMENTS = {
  develop: {
    // ./scripts/run serves the API here; change to your machine's LAN address to try it on a
    // phone (真机调试), e.g. http://192.168.1.20:8000.
    baseUrl: 'http://127.0.0.1:8000',
    templates: SANDBOX_TEMPLATES,
    // The server talks to the WeChat sandbox, not to WeChat, so a real wx.login() code means
    // nothing to it (40029). In develop the api module plays the phone against the sandbox
    // instead: a sandbox user, its login code, and a consent per accepted template. Set to
    // null when the local server runs with a real WECHAT_APPID.
    sandbox: { url: 'http://127.0.0.1:8001' },
  },
  trial: {
    baseUrl: 'https://staging.lianluozhan.example.cn',
    templates: SANDBOX_TEMPLATES,
    sandbox: null,
  },
  release: {
    baseUrl: 'https://lianluozhan.example.cn',
    // Fill in the production template ids; the citizen's also come from the server (/scan).
    templates: { reply: '', progress: '', solved: '', new_item: '', reminder: '' },
    sandbox: null,
  },
}

function currentEnv() {
  try {
    // Not present in every base library version or in tests: default to develop.
    const info = wx.getAccountInfoSync()
    const env = info && info.miniProgram && info.miniProgram.envVersion
    return ENVIRONMENTS[env] ? env : 'develop'
  } catch (e) {
    return 'develop'
  }
}

const env = currentEnv()

module.exports = {
  env,
  baseUrl: ENVIRONMENTS[env].baseUrl,
  templates: Object.assign({}, ENVIRONMENTS[env].templates),
  sandbox: ENVIRONMENTS[env].sandbox || null,
  // How long one HTTP request may take before we call it a network failure (ms).
  timeout: 15000,
  // Network failures are retried this many times, after these pauses (ms).
  retryDelays: [600, 1800],
  ENVIRONMENTS,
}
