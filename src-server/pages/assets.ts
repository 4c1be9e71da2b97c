import { createHash } from 'node:crypto'

/**
 * The pages' one stylesheet and one script, served from the server itself (the CSP allows
 * nothing else). Their names carry a hash of their content, so a phone caches them for
 * good and a new version is a new name. System fonts only: a phone has Chinese fonts, and
 * a page that waits for a web font over 4G is a page nobody reads.
 */

const CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.6 -apple-system,BlinkMacSystemFont,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:#1f2a24;background:#f3f6f2}
a{color:#1d6b3f}
header{background:#1f5f3a;color:#fff;padding:14px 16px 12px}
header h1{margin:0;font-size:18px}
header p{margin:2px 0 0;font-size:13px;opacity:.85}
main{padding:8px 10px 40px;max-width:640px;margin:0 auto}
section{background:#fff;border-radius:12px;margin:10px 0;padding:12px 12px 14px;box-shadow:0 1px 2px rgba(0,0,0,.05)}
h2{font-size:16px;margin:0 0 8px}
h3{font-size:14px;margin:14px 0 6px;color:#3c5245}
.days{display:flex;gap:6px;overflow-x:auto;padding:2px 0 4px;margin:6px 0 0}
.days a,.days span{flex:none;padding:4px 10px;border-radius:14px;background:#e4ece5;color:#1f2a24;text-decoration:none;font-size:13px}
.days .on{background:#1f5f3a;color:#fff}
.hint{font-size:12px;color:#6b7b70;margin:4px 0 8px}
.grid{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:4px}
.grid figure{margin:0;position:relative;min-width:0}
.grid img{display:block;width:100%;height:auto;aspect-ratio:1/1;object-fit:cover;border-radius:4px;background:#e9eee9}
.grid figcaption{font-size:11px;color:#6b7b70;line-height:1.3;padding:2px 0;display:flex;justify-content:space-between;gap:4px}
.grid figcaption span{overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
.grid figcaption a{flex:none;white-space:nowrap}
video{width:100%;border-radius:8px;background:#000;margin:4px 0}
.copy{border:1px solid #e1e8e2;border-radius:8px;padding:8px 10px;margin:6px 0}
.copy p{margin:0 0 6px;white-space:pre-wrap;word-break:break-word}
.copy small{color:#6b7b70}
button{font:inherit;font-size:14px;border:0;border-radius:16px;padding:5px 14px;background:#1f5f3a;color:#fff}
button:disabled{background:#a7b8ab}
.checklist{list-style:none;margin:0;padding:0}
.checklist li{display:flex;gap:10px;align-items:flex-start;padding:8px 0;border-top:1px solid #eef2ee}
.checklist li:first-child{border-top:0}
.checklist .when{flex:none;width:86px;font-size:12px;color:#3c5245}
.checklist .what{flex:1;font-size:13px}
.checklist .what b{display:block;font-size:14px}
.checklist form{flex:none}
.checklist .done button{background:#d9e7dc;color:#1f5f3a}
.money{display:grid;grid-template-columns:repeat(2,1fr);gap:8px}
.money div{background:#f3f7f3;border-radius:8px;padding:8px}
.money b{display:block;font-size:18px}
.money small{color:#6b7b70}
table{width:100%;border-collapse:collapse;font-size:13px;margin-top:8px}
td,th{text-align:right;padding:4px 2px;border-bottom:1px solid #eef2ee}
td:first-child,th:first-child{text-align:left}
.withdraw{margin-top:10px;display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.withdraw input{font:inherit;width:7em;padding:4px 8px;border:1px solid #c9d6cc;border-radius:6px;margin-left:6px}
.withdraw small{flex-basis:100%;color:#6b7b70}
.withdrawals{list-style:none;padding:0;margin:0;font-size:13px}
.withdrawals li{padding:4px 0;border-bottom:1px solid #eef2ee}
.qr{display:block;width:72%;max-width:320px;margin:12px auto;border-radius:8px}
.notice{background:#fff7e6;border:1px solid #f1d9a7;border-radius:8px;padding:10px;font-size:14px}
footer{text-align:center;font-size:12px;color:#8a968d;padding:10px}
.toast{position:fixed;left:50%;bottom:40px;transform:translateX(-50%);background:rgba(0,0,0,.75);color:#fff;padding:8px 16px;border-radius:18px;font-size:14px;opacity:0;transition:opacity .2s;pointer-events:none}
.toast.show{opacity:1}
`
  .trim()
  .replace(/\n/g, '')

/**
 * Copy buttons (the clipboard API where the page is https, else a selected text area:
 * WeChat's browser on an http LAN address has no clipboard API) and ticks that do not
 * reload the page. Without the script both still work: the text can be long-pressed and
 * the tick is an ordinary form.
 */
const JS = `(function(){
var toast=document.createElement('div');toast.className='toast';document.body.appendChild(toast);var t;
function say(s){toast.textContent=s;toast.className='toast show';clearTimeout(t);t=setTimeout(function(){toast.className='toast'},1600)}
function fallback(text){var a=document.createElement('textarea');a.value=text;a.setAttribute('readonly','');a.style.position='fixed';a.style.opacity='0';document.body.appendChild(a);a.select();a.setSelectionRange(0,text.length);var ok=false;try{ok=document.execCommand('copy')}catch(e){}document.body.removeChild(a);return ok}
document.addEventListener('click',function(e){var b=e.target.closest&&e.target.closest('[data-copy]');if(!b)return;var el=document.getElementById(b.getAttribute('data-copy'));if(!el)return;var text=el.textContent;
function done(){b.textContent='已复制';say('已复制，去粘贴发布吧');setTimeout(function(){b.textContent='复制'},2000)}
if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(text).then(done,function(){fallback(text)?done():say('请长按文字复制')})}else{fallback(text)?done():say('请长按文字复制')}});
document.addEventListener('submit',function(e){var f=e.target;if(!f.classList||!f.classList.contains('tick'))return;e.preventDefault();var b=f.querySelector('button');b.disabled=true;
fetch(f.action,{method:'POST',headers:{'content-type':'application/x-www-form-urlencoded',accept:'application/json'},body:new URLSearchParams(new FormData(f)).toString(),credentials:'same-origin'}).then(function(r){return r.json().then(function(j){return{ok:r.ok,j:j}})}).then(function(x){
if(x.ok){f.parentNode.className='done';b.textContent='✓ 已打卡';say('已打卡')}else{b.disabled=false;say(x.j&&x.j.message||'打卡失败，请重试')}},function(){b.disabled=false;say('网络不好，请重试')})});
})();`

const fingerprint = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12)

export const PAGE_ASSETS = {
  css: { path: `/p/page.${fingerprint(CSS)}.css`, body: CSS, type: 'text/css; charset=utf-8' },
  js: { path: `/p/page.${fingerprint(JS)}.js`, body: JS, type: 'text/javascript; charset=utf-8' },
} as const
