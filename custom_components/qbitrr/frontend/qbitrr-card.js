// qbitrr card: built from frontend/ by `npm run build`; do not edit.
var j=globalThis,K=j.ShadowRoot&&(j.ShadyCSS===void 0||j.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,Q=Symbol(),vt=new WeakMap,R=class{constructor(t,e,s){if(this._$cssResult$=!0,s!==Q)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=t,this.t=e}get styleSheet(){let t=this.o,e=this.t;if(K&&t===void 0){let s=e!==void 0&&e.length===1;s&&(t=vt.get(e)),t===void 0&&((this.o=t=new CSSStyleSheet).replaceSync(this.cssText),s&&vt.set(e,t))}return t}toString(){return this.cssText}},wt=r=>new R(typeof r=="string"?r:r+"",void 0,Q),P=(r,...t)=>{let e=r.length===1?r[0]:t.reduce((s,n,i)=>s+(o=>{if(o._$cssResult$===!0)return o.cssText;if(typeof o=="number")return o;throw Error("Value passed to 'css' function must be a 'css' function result: "+o+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(n)+r[i+1],r[0]);return new R(e,r,Q)},At=(r,t)=>{if(K)r.adoptedStyleSheets=t.map(e=>e instanceof CSSStyleSheet?e:e.styleSheet);else for(let e of t){let s=document.createElement("style"),n=j.litNonce;n!==void 0&&s.setAttribute("nonce",n),s.textContent=e.cssText,r.appendChild(s)}},tt=K?r=>r:r=>r instanceof CSSStyleSheet?(t=>{let e="";for(let s of t.cssRules)e+=s.cssText;return wt(e)})(r):r;var{is:ie,defineProperty:oe,getOwnPropertyDescriptor:ae,getOwnPropertyNames:le,getOwnPropertySymbols:ce,getPrototypeOf:de}=Object,F=globalThis,xt=F.trustedTypes,pe=xt?xt.emptyScript:"",he=F.reactiveElementPolyfillSupport,M=(r,t)=>r,et={toAttribute(r,t){switch(t){case Boolean:r=r?pe:null;break;case Object:case Array:r=r==null?r:JSON.stringify(r)}return r},fromAttribute(r,t){let e=r;switch(t){case Boolean:e=r!==null;break;case Number:e=r===null?null:Number(r);break;case Object:case Array:try{e=JSON.parse(r)}catch{e=null}}return e}},Et=(r,t)=>!ie(r,t),St={attribute:!0,type:String,converter:et,reflect:!1,useDefault:!1,hasChanged:Et};Symbol.metadata??=Symbol("metadata"),F.litPropertyMetadata??=new WeakMap;var _=class extends HTMLElement{static addInitializer(t){this._$Ei(),(this.l??=[]).push(t)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(t,e=St){if(e.state&&(e.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(t)&&((e=Object.create(e)).wrapped=!0),this.elementProperties.set(t,e),!e.noAccessor){let s=Symbol(),n=this.getPropertyDescriptor(t,s,e);n!==void 0&&oe(this.prototype,t,n)}}static getPropertyDescriptor(t,e,s){let{get:n,set:i}=ae(this.prototype,t)??{get(){return this[e]},set(o){this[e]=o}};return{get:n,set(o){let d=n?.call(this);i?.call(this,o),this.requestUpdate(t,d,s)},configurable:!0,enumerable:!0}}static getPropertyOptions(t){return this.elementProperties.get(t)??St}static _$Ei(){if(this.hasOwnProperty(M("elementProperties")))return;let t=de(this);t.finalize(),t.l!==void 0&&(this.l=[...t.l]),this.elementProperties=new Map(t.elementProperties)}static finalize(){if(this.hasOwnProperty(M("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(M("properties"))){let e=this.properties,s=[...le(e),...ce(e)];for(let n of s)this.createProperty(n,e[n])}let t=this[Symbol.metadata];if(t!==null){let e=litPropertyMetadata.get(t);if(e!==void 0)for(let[s,n]of e)this.elementProperties.set(s,n)}this._$Eh=new Map;for(let[e,s]of this.elementProperties){let n=this._$Eu(e,s);n!==void 0&&this._$Eh.set(n,e)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(t){let e=[];if(Array.isArray(t)){let s=new Set(t.flat(1/0).reverse());for(let n of s)e.unshift(tt(n))}else t!==void 0&&e.push(tt(t));return e}static _$Eu(t,e){let s=e.attribute;return s===!1?void 0:typeof s=="string"?s:typeof t=="string"?t.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(t=>this.enableUpdating=t),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(t=>t(this))}addController(t){(this._$EO??=new Set).add(t),this.renderRoot!==void 0&&this.isConnected&&t.hostConnected?.()}removeController(t){this._$EO?.delete(t)}_$E_(){let t=new Map,e=this.constructor.elementProperties;for(let s of e.keys())this.hasOwnProperty(s)&&(t.set(s,this[s]),delete this[s]);t.size>0&&(this._$Ep=t)}createRenderRoot(){let t=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return At(t,this.constructor.elementStyles),t}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(t=>t.hostConnected?.())}enableUpdating(t){}disconnectedCallback(){this._$EO?.forEach(t=>t.hostDisconnected?.())}attributeChangedCallback(t,e,s){this._$AK(t,s)}_$ET(t,e){let s=this.constructor.elementProperties.get(t),n=this.constructor._$Eu(t,s);if(n!==void 0&&s.reflect===!0){let i=(s.converter?.toAttribute!==void 0?s.converter:et).toAttribute(e,s.type);this._$Em=t,i==null?this.removeAttribute(n):this.setAttribute(n,i),this._$Em=null}}_$AK(t,e){let s=this.constructor,n=s._$Eh.get(t);if(n!==void 0&&this._$Em!==n){let i=s.getPropertyOptions(n),o=typeof i.converter=="function"?{fromAttribute:i.converter}:i.converter?.fromAttribute!==void 0?i.converter:et;this._$Em=n;let d=o.fromAttribute(e,i.type);this[n]=d??this._$Ej?.get(n)??d,this._$Em=null}}requestUpdate(t,e,s,n=!1,i){if(t!==void 0){let o=this.constructor;if(n===!1&&(i=this[t]),s??=o.getPropertyOptions(t),!((s.hasChanged??Et)(i,e)||s.useDefault&&s.reflect&&i===this._$Ej?.get(t)&&!this.hasAttribute(o._$Eu(t,s))))return;this.C(t,e,s)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(t,e,{useDefault:s,reflect:n,wrapped:i},o){s&&!(this._$Ej??=new Map).has(t)&&(this._$Ej.set(t,o??e??this[t]),i!==!0||o!==void 0)||(this._$AL.has(t)||(this.hasUpdated||s||(e=void 0),this._$AL.set(t,e)),n===!0&&this._$Em!==t&&(this._$Eq??=new Set).add(t))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(e){Promise.reject(e)}let t=this.scheduleUpdate();return t!=null&&await t,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[n,i]of this._$Ep)this[n]=i;this._$Ep=void 0}let s=this.constructor.elementProperties;if(s.size>0)for(let[n,i]of s){let{wrapped:o}=i,d=this[n];o!==!0||this._$AL.has(n)||d===void 0||this.C(n,void 0,i,d)}}let t=!1,e=this._$AL;try{t=this.shouldUpdate(e),t?(this.willUpdate(e),this._$EO?.forEach(s=>s.hostUpdate?.()),this.update(e)):this._$EM()}catch(s){throw t=!1,this._$EM(),s}t&&this._$AE(e)}willUpdate(t){}_$AE(t){this._$EO?.forEach(e=>e.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(t)),this.updated(t)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(t){return!0}update(t){this._$Eq&&=this._$Eq.forEach(e=>this._$ET(e,this[e])),this._$EM()}updated(t){}firstUpdated(t){}};_.elementStyles=[],_.shadowRootOptions={mode:"open"},_[M("elementProperties")]=new Map,_[M("finalized")]=new Map,he?.({ReactiveElement:_}),(F.reactiveElementVersions??=[]).push("2.1.2");var lt=globalThis,Ct=r=>r,W=lt.trustedTypes,kt=W?W.createPolicy("lit-html",{createHTML:r=>r}):void 0,Ht="$lit$",y=`lit$${Math.random().toFixed(9).slice(2)}$`,Lt="?"+y,ue=`<${Lt}>`,A=document,H=()=>A.createComment(""),L=r=>r===null||typeof r!="object"&&typeof r!="function",ct=Array.isArray,me=r=>ct(r)||typeof r?.[Symbol.iterator]=="function",st=`[ 	
\f\r]`,O=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,Tt=/-->/g,Rt=/>/g,v=RegExp(`>|${st}(?:([^\\s"'>=/]+)(${st}*=${st}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),Pt=/'/g,Mt=/"/g,Nt=/^(?:script|style|textarea|title)$/i,dt=r=>(t,...e)=>({_$litType$:r,strings:t,values:e}),c=dt(1),Me=dt(2),Oe=dt(3),x=Symbol.for("lit-noChange"),p=Symbol.for("lit-nothing"),Ot=new WeakMap,w=A.createTreeWalker(A,129);function It(r,t){if(!ct(r)||!r.hasOwnProperty("raw"))throw Error("invalid template strings array");return kt!==void 0?kt.createHTML(t):t}var ge=(r,t)=>{let e=r.length-1,s=[],n,i=t===2?"<svg>":t===3?"<math>":"",o=O;for(let d=0;d<e;d++){let a=r[d],l,u,h=-1,m=0;for(;m<a.length&&(o.lastIndex=m,u=o.exec(a),u!==null);)m=o.lastIndex,o===O?u[1]==="!--"?o=Tt:u[1]!==void 0?o=Rt:u[2]!==void 0?(Nt.test(u[2])&&(n=RegExp("</"+u[2],"g")),o=v):u[3]!==void 0&&(o=v):o===v?u[0]===">"?(o=n??O,h=-1):u[1]===void 0?h=-2:(h=o.lastIndex-u[2].length,l=u[1],o=u[3]===void 0?v:u[3]==='"'?Mt:Pt):o===Mt||o===Pt?o=v:o===Tt||o===Rt?o=O:(o=v,n=void 0);let $=o===v&&r[d+1].startsWith("/>")?" ":"";i+=o===O?a+ue:h>=0?(s.push(l),a.slice(0,h)+Ht+a.slice(h)+y+$):a+y+(h===-2?d:$)}return[It(r,i+(r[e]||"<?>")+(t===2?"</svg>":t===3?"</math>":"")),s]},N=class r{constructor({strings:t,_$litType$:e},s){let n;this.parts=[];let i=0,o=0,d=t.length-1,a=this.parts,[l,u]=ge(t,e);if(this.el=r.createElement(l,s),w.currentNode=this.el.content,e===2||e===3){let h=this.el.content.firstChild;h.replaceWith(...h.childNodes)}for(;(n=w.nextNode())!==null&&a.length<d;){if(n.nodeType===1){if(n.hasAttributes())for(let h of n.getAttributeNames())if(h.endsWith(Ht)){let m=u[o++],$=n.getAttribute(h).split(y),V=/([.?@])?(.*)/.exec(m);a.push({type:1,index:i,name:V[2],strings:$,ctor:V[1]==="."?nt:V[1]==="?"?it:V[1]==="@"?ot:E}),n.removeAttribute(h)}else h.startsWith(y)&&(a.push({type:6,index:i}),n.removeAttribute(h));if(Nt.test(n.tagName)){let h=n.textContent.split(y),m=h.length-1;if(m>0){n.textContent=W?W.emptyScript:"";for(let $=0;$<m;$++)n.append(h[$],H()),w.nextNode(),a.push({type:2,index:++i});n.append(h[m],H())}}}else if(n.nodeType===8)if(n.data===Lt)a.push({type:2,index:i});else{let h=-1;for(;(h=n.data.indexOf(y,h+1))!==-1;)a.push({type:7,index:i}),h+=y.length-1}i++}}static createElement(t,e){let s=A.createElement("template");return s.innerHTML=t,s}};function S(r,t,e=r,s){if(t===x)return t;let n=s!==void 0?e._$Co?.[s]:e._$Cl,i=L(t)?void 0:t._$litDirective$;return n?.constructor!==i&&(n?._$AO?.(!1),i===void 0?n=void 0:(n=new i(r),n._$AT(r,e,s)),s!==void 0?(e._$Co??=[])[s]=n:e._$Cl=n),n!==void 0&&(t=S(r,n._$AS(r,t.values),n,s)),t}var rt=class{constructor(t,e){this._$AV=[],this._$AN=void 0,this._$AD=t,this._$AM=e}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(t){let{el:{content:e},parts:s}=this._$AD,n=(t?.creationScope??A).importNode(e,!0);w.currentNode=n;let i=w.nextNode(),o=0,d=0,a=s[0];for(;a!==void 0;){if(o===a.index){let l;a.type===2?l=new I(i,i.nextSibling,this,t):a.type===1?l=new a.ctor(i,a.name,a.strings,this,t):a.type===6&&(l=new at(i,this,t)),this._$AV.push(l),a=s[++d]}o!==a?.index&&(i=w.nextNode(),o++)}return w.currentNode=A,n}p(t){let e=0;for(let s of this._$AV)s!==void 0&&(s.strings!==void 0?(s._$AI(t,s,e),e+=s.strings.length-2):s._$AI(t[e])),e++}},I=class r{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(t,e,s,n){this.type=2,this._$AH=p,this._$AN=void 0,this._$AA=t,this._$AB=e,this._$AM=s,this.options=n,this._$Cv=n?.isConnected??!0}get parentNode(){let t=this._$AA.parentNode,e=this._$AM;return e!==void 0&&t?.nodeType===11&&(t=e.parentNode),t}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(t,e=this){t=S(this,t,e),L(t)?t===p||t==null||t===""?(this._$AH!==p&&this._$AR(),this._$AH=p):t!==this._$AH&&t!==x&&this._(t):t._$litType$!==void 0?this.$(t):t.nodeType!==void 0?this.T(t):me(t)?this.k(t):this._(t)}O(t){return this._$AA.parentNode.insertBefore(t,this._$AB)}T(t){this._$AH!==t&&(this._$AR(),this._$AH=this.O(t))}_(t){this._$AH!==p&&L(this._$AH)?this._$AA.nextSibling.data=t:this.T(A.createTextNode(t)),this._$AH=t}$(t){let{values:e,_$litType$:s}=t,n=typeof s=="number"?this._$AC(t):(s.el===void 0&&(s.el=N.createElement(It(s.h,s.h[0]),this.options)),s);if(this._$AH?._$AD===n)this._$AH.p(e);else{let i=new rt(n,this),o=i.u(this.options);i.p(e),this.T(o),this._$AH=i}}_$AC(t){let e=Ot.get(t.strings);return e===void 0&&Ot.set(t.strings,e=new N(t)),e}k(t){ct(this._$AH)||(this._$AH=[],this._$AR());let e=this._$AH,s,n=0;for(let i of t)n===e.length?e.push(s=new r(this.O(H()),this.O(H()),this,this.options)):s=e[n],s._$AI(i),n++;n<e.length&&(this._$AR(s&&s._$AB.nextSibling,n),e.length=n)}_$AR(t=this._$AA.nextSibling,e){for(this._$AP?.(!1,!0,e);t!==this._$AB;){let s=Ct(t).nextSibling;Ct(t).remove(),t=s}}setConnected(t){this._$AM===void 0&&(this._$Cv=t,this._$AP?.(t))}},E=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(t,e,s,n,i){this.type=1,this._$AH=p,this._$AN=void 0,this.element=t,this.name=e,this._$AM=n,this.options=i,s.length>2||s[0]!==""||s[1]!==""?(this._$AH=Array(s.length-1).fill(new String),this.strings=s):this._$AH=p}_$AI(t,e=this,s,n){let i=this.strings,o=!1;if(i===void 0)t=S(this,t,e,0),o=!L(t)||t!==this._$AH&&t!==x,o&&(this._$AH=t);else{let d=t,a,l;for(t=i[0],a=0;a<i.length-1;a++)l=S(this,d[s+a],e,a),l===x&&(l=this._$AH[a]),o||=!L(l)||l!==this._$AH[a],l===p?t=p:t!==p&&(t+=(l??"")+i[a+1]),this._$AH[a]=l}o&&!n&&this.j(t)}j(t){t===p?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,t??"")}},nt=class extends E{constructor(){super(...arguments),this.type=3}j(t){this.element[this.name]=t===p?void 0:t}},it=class extends E{constructor(){super(...arguments),this.type=4}j(t){this.element.toggleAttribute(this.name,!!t&&t!==p)}},ot=class extends E{constructor(t,e,s,n,i){super(t,e,s,n,i),this.type=5}_$AI(t,e=this){if((t=S(this,t,e,0)??p)===x)return;let s=this._$AH,n=t===p&&s!==p||t.capture!==s.capture||t.once!==s.once||t.passive!==s.passive,i=t!==p&&(s===p||n);n&&this.element.removeEventListener(this.name,this,s),i&&this.element.addEventListener(this.name,this,t),this._$AH=t}handleEvent(t){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,t):this._$AH.handleEvent(t)}},at=class{constructor(t,e,s){this.element=t,this.type=6,this._$AN=void 0,this._$AM=e,this.options=s}get _$AU(){return this._$AM._$AU}_$AI(t){S(this,t)}};var fe=lt.litHtmlPolyfillSupport;fe?.(N,I),(lt.litHtmlVersions??=[]).push("3.3.3");var Ut=(r,t,e)=>{let s=e?.renderBefore??t,n=s._$litPart$;if(n===void 0){let i=e?.renderBefore??null;s._$litPart$=n=new I(t.insertBefore(H(),i),i,void 0,e??{})}return n._$AI(r),n};var pt=globalThis,f=class extends _{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let t=super.createRenderRoot();return this.renderOptions.renderBefore??=t.firstChild,t}update(t){let e=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(t),this._$Do=Ut(e,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return x}};f._$litElement$=!0,f.finalized=!0,pt.litElementHydrateSupport?.({LitElement:f});var _e=pt.litElementPolyfillSupport;_e?.({LitElement:f});(pt.litElementVersions??=[]).push("4.2.2");var U=["servers","apps","distribution","problems","plan"];function ht(r,t){if(r==null)return;let e=typeof r=="string"?[r]:r;if(!Array.isArray(e)||e.some(s=>typeof s!="string"||s===""))throw new Error(`qbitrr-card: "${t}" must be a list of names or config entry ids`);return[...new Set(e)]}function G(r){if(typeof r!="object"||r===null)throw new Error("qbitrr-card: the configuration must be a mapping");let t=r,e={type:String(t.type??"custom:qbitrr-card")};if(t.title!==void 0){if(typeof t.title!="string")throw new Error('qbitrr-card: "title" must be text');e.title=t.title}let s=ht(t.servers,"servers");s&&(e.servers=s);let n=ht(t.apps,"apps");n&&(e.apps=n);let i=ht(t.sections,"sections");if(i){let o=i.filter(d=>!U.includes(d));if(o.length)throw new Error(`qbitrr-card: unknown section ${o.join(", ")} (known: ${U.join(", ")})`);e.sections=i}if(t.problems_limit!==void 0){let o=Number(t.problems_limit);if(!Number.isInteger(o)||o<1||o>200)throw new Error('qbitrr-card: "problems_limit" must be 1 to 200');e.problems_limit=o}return e}function ut(r){return r.sections??[...U]}function mt(r,t,e){if(!r)return!0;let s=e.toLocaleLowerCase();return r.some(n=>n===t||n.toLocaleLowerCase()===s)}function Bt(r,t,e,s){let n=new Set(r??t);s?n.add(e):n.delete(e);let i=t.filter(o=>n.has(o));return i.length===t.length?void 0:i}function X(r,t,e){let s={...r};return e===void 0||e===""?delete s[t]:s[t]=e,s}var qt=["B","KiB","MiB","GiB","TiB","PiB"],be={B:1,kB:1e3,MB:1e6,GB:1e9,TB:1e12,KiB:1024,MiB:1048576,GiB:1073741824,TiB:1099511627776};function gt(r){if(!Number.isFinite(r)||r<0)return"—";let t=r,e=0;for(;t>=1024&&e<qt.length-1;)t/=1024,e+=1;let s=e===0||t>=100?0:t>=10?1:2;return`${t.toFixed(s)} ${qt[e]}`}function ft(r){let t=gt(r);return t==="—"?t:`${t}/s`}function Dt(r,t){if(r===void 0||r===""||Number.isNaN(Number(r)))return null;let e=typeof t=="string"?t.replace(/\/s$/,""):"B",s=be[e];return s===void 0?null:Number(r)*s}function zt(r,t=Date.now()){if(!r)return"never";let e=Date.parse(r);if(Number.isNaN(e))return"never";let s=Math.max(0,Math.round((t-e)/1e3));if(s<45)return"just now";let n=Math.round(s/60);if(n<60)return`${n} min ago`;let i=Math.round(n/60);return i<48?`${i} h ago`:`${Math.round(i/24)} d ago`}function J(r){return r<1e3?String(r):r<1e4?`${(r/1e3).toFixed(1)}k`:`${Math.round(r/1e3)}k`}function g(r){let t=r.replace(/_/g," ").trim();return t?t[0].toUpperCase()+t.slice(1):""}function Y(r,t){return`${r} ${t}${r===1?"":"s"}`}var bt="qbitrr",q="qBittorrent",b=new Set(["unavailable","unknown"]),$e=["downloading","seeding","stalled","paused","errored","checking","queued"],$t="qbitrr-strike",yt="qbitrr-bad";function B(r){if(!r||b.has(r.state)||r.state==="")return null;let t=Number(r.state);return Number.isFinite(t)?t:null}function ye(r,t){if(r)return r;let e=t.attributes.device_class;return typeof e=="string"?e:t.entity_id}function D(r){let t=new Map;for(let e of Object.values(r.entities??{})){if(e.platform!==bt||!e.device_id)continue;let s=r.states[e.entity_id],n=r.devices?.[e.device_id];if(!s||!n||n.config_entries.length===0)continue;let i=t.get(n.id);i||(i={entryId:n.config_entries[0],deviceId:n.id,title:n.name_by_user||n.name||n.config_entries[0],model:n.model??"",version:n.sw_version??null,entities:new Map},t.set(n.id,i)),i.entities.set(ye(e.translation_key,s),s)}return[...t.values()].sort((e,s)=>e.title.localeCompare(s.title)||e.entryId.localeCompare(s.entryId))}function Vt(r,t){return r.filter(e=>e.model===q&&mt(t,e.entryId,e.title)).map(e=>{let s=l=>e.entities.get(l),n=s("connectivity"),i=s("total_torrents"),o=n?n.state==="on":i?!b.has(i.state):!1,d=o?i?.attributes.categories??{}:{},a=s("app_version");return{entryId:e.entryId,title:e.title,version:a&&!b.has(a.state)?a.state:e.version,up:o,download:s("download_speed"),upload:s("upload_speed"),freeSpace:s("free_space"),counts:$e.flatMap(l=>{let u=o?B(s(`${l}_torrents`)):null;return u===null?[]:[{group:l,count:u}]}),total:o?B(i):null,categories:d,altSpeed:s("alternative_speed_limits")}})}function jt(r,t){return r.filter(e=>e.model!==q&&mt(t,e.entryId,e.title)).map(e=>{let s=h=>e.entities.get(h),n=s("queue_size"),i=s("health_problem"),o=s("arr_torrents"),d=s("last_run"),a=s("pending_removals")?.attributes.removals,l=i?.attributes.messages??[],u=d?.attributes.by_action;return{entryId:e.entryId,title:e.title,app:e.model,version:e.version,reachable:n!==void 0&&!b.has(n.state),healthMessages:i?.state==="on"?l.map(h=>String(h.message??h)):[],queueSize:B(n),torrents:B(o),stalled:B(s("arr_stalled_torrents")),category:typeof o?.attributes.category=="string"?o.attributes.category:null,lastRun:d&&!b.has(d.state)?{time:d.state,dryRun:!!d.attributes.dry_run,byAction:u??{},failed:Number(d.attributes.failed??0)}:null,pending:Array.isArray(a)?a:[]}})}function Kt(r,t){let e=new Set;for(let n of r)for(let i of Object.keys(n.categories))e.add(i);let s=[...e].sort((n,i)=>n===""?1:i===""?-1:n.localeCompare(i));return{servers:r.map(({entryId:n,title:i,up:o})=>({entryId:n,title:i,up:o})),rows:s.map(n=>{let i=r.map(o=>{if(!o.up)return null;let d=t?t[n]?.[o.entryId]?.stalled??0:null;return{total:o.categories[n]??0,stalled:d}});return{category:n,cells:i,total:i.reduce((o,d)=>o+(d?.total??0),0)}})}}var _t=["pending","struck","bad","errored","stalled"];function ve(r){let t=[];return r.tags.includes($t)&&t.push("struck"),r.tags.includes(yt)&&t.push("bad"),r.state_group==="errored"&&t.push("errored"),r.state_group==="stalled"&&t.push("stalled"),t}function Ft(r,t,e,s){let n=new Map,i=new Map(r.filter(a=>a.category).map(a=>[a.category,a.title])),o=(a,l,u)=>{let h=`${a}:${l}`,m=n.get(h);return m||(m={...u(),kinds:[]},n.set(h,m)),m};for(let a of r)for(let l of a.pending){let u=o(l.server,l.hash,()=>({key:`${l.server}:${l.hash}`,instance:l.server,serverTitle:l.server_title,hash:l.hash,name:l.name,app:a.title,rule:l.rule,reason:l.reason}));u.kinds.includes("pending")||u.kinds.push("pending")}for(let a of t){let l=ve(a);if(l.length===0)continue;let u=o(a.instance,a.hash,()=>({key:`${a.instance}:${a.hash}`,instance:a.instance,serverTitle:a.instance_title,hash:a.hash,name:a.name,app:i.get(a.category)??null,rule:null,reason:null}));for(let h of l)u.kinds.includes(h)||u.kinds.push(h)}for(let a of e){let l=n.get(`${a.instance}:${a.hash}`);l&&l.rule===null&&(l.rule=a.rule,l.reason=a.reason,l.app=l.app??a.arr_title)}let d=a=>Math.min(...a.kinds.map(l=>_t.indexOf(l)));return[...n.values()].map(a=>({...a,kinds:[...a.kinds].sort((l,u)=>_t.indexOf(l)-_t.indexOf(u))})).sort((a,l)=>d(a)-d(l)||a.name.localeCompare(l.name)||a.key.localeCompare(l.key)).slice(0,s)}var we=new Set(["arr_remove","arr_remove_keep","delete","delete_with_files","pending_removal","deferred"]);function Wt(r){let t=e=>we.has(e.action)?0:e.action==="strike"?1:2;return[...r].sort((e,s)=>t(e)-t(s)||e.action.localeCompare(s.action)||e.name.localeCompare(s.name))}function Gt(r,t){return[...r.map(e=>`${e.entryId}:${e.up}:${e.total}:${e.counts.map(s=>s.count).join(",")}`),...t.map(e=>`${e.entryId}:${e.pending.length}:${e.lastRun?.time??""}`)].join("|")}async function C(r,t,e={}){return(await r.callWS({type:"call_service",domain:bt,service:t,service_data:e,return_response:!0})).response}async function Xt(r,t){let[e,s]=await Promise.all([C(r,"get_torrents",{states:["stalled","errored"],limit:t}),C(r,"get_torrents",{tags:[$t,yt],limit:t})]);return[...e.torrents,...s.torrents]}async function Jt(r){return(await C(r,"get_distribution")).by_state}function Yt(r){return C(r,"handle_torrents",{dry_run:!0})}async function Zt(r,t,e){return t==="recheck"?((await C(r,"recheck_torrents",{config_entry_id:e.instance,hashes:[e.hash]})).instances[e.instance]?.hashes??[]).includes(e.hash)?"Recheck started: qBittorrent checks the data on disk.":"Not on that server any more.":(await C(r,t==="keep"?"keep_torrent":"remove_torrent",{config_entry_id:e.instance,hash:e.hash}),t==="keep"?"Kept: protected and strikes cleared.":"Removed.")}function Z(r){return r&&typeof r=="object"&&"message"in r?String(r.message):String(r)}function Qt(r,t){return c`<section aria-labelledby="servers">
    <h2 id="servers">Servers</h2>
    <ul class="grid">
      ${r.map(e=>c`<li class="item server" data-entry=${e.entryId} data-up=${String(e.up)}>
          <div class="head">
            <span class="name">${e.title}</span>
            <span class="badge ${e.up?"":"down"}">${e.up?"Up":"Down"}</span>
            ${e.version?c`<span class="muted">${e.version}</span>`:p}
          </div>
          ${e.up?Ae(e,t):c`<div class="down-text">Not reachable: no figures until it answers again.</div>`}
        </li>`)}
    </ul>
  </section>`}function Ae(r,t){let e=r.altSpeed;return c`<div class="stats">
      <span><span class="sr-only">Download</span><span aria-hidden="true">↓</span> ${t.value(r.download,ft)}</span>
      <span><span class="sr-only">Upload</span><span aria-hidden="true">↑</span> ${t.value(r.upload,ft)}</span>
      <span>${t.value(r.freeSpace,gt)} free</span>
      ${r.total!==null?c`<span>${r.total} torrents</span>`:p}
    </div>
    <div class="chips">
      ${r.counts.filter(s=>s.count>0).map(s=>c`<span class="chip ${s.group}" title=${t.label(`sensor.${s.group}_torrents`,g(s.group))}
            >${g(s.group)} ${J(s.count)}</span
          >`)}
    </div>
    ${e&&!b.has(e.state)?c`<div class="actions">
          <button role="switch" aria-checked=${String(e.state==="on")}
            @click=${()=>t.toggle(e.entity_id)}>
            ${t.label("switch.alternative_speed_limits","Alternative speed limits")}
          </button>
        </div>`:p}`}function te(r){return r.length===0?p:c`<section aria-labelledby="apps">
    <h2 id="apps">Apps</h2>
    <ul class="grid">
      ${r.map(t=>{let e=t.reachable?t.healthMessages.length?c`<span class="badge warn" title=${t.healthMessages.join(`
`)}>${Y(t.healthMessages.length,"health issue")}</span>`:c`<span class="badge">Healthy</span>`:c`<span class="badge down">Down</span>`,s=t.lastRun,n=s?Object.entries(s.byAction).map(([i,o])=>`${o} ${g(i).toLowerCase()}`).join(", "):"";return c`<li class="item app" data-entry=${t.entryId}>
          <div class="head"><span class="name">${t.title}</span><span class="muted">${t.app}</span>${e}</div>
          <div class="stats">
            <span>Queue ${t.queueSize??"—"}</span>
            <span>Torrents ${t.torrents??"—"}</span>
            <span>Stalled ${t.stalled??"—"}</span>
            ${t.pending.length?c`<span>Pending removals ${t.pending.length}</span>`:p}
          </div>
          <div class="muted">
            Last handling: ${s?c`<time datetime=${s.time}>${zt(s.time)}</time>${s.dryRun?" (dry run)":""}: ${n||"nothing to do"}${s.failed?`, ${s.failed} failed`:""}`:"never"}
          </div>
          ${t.healthMessages.length?c`<ul class="muted">${t.healthMessages.map(i=>c`<li>${i}</li>`)}</ul>`:p}
        </li>`})}
    </ul>
  </section>`}function ee(r){return c`<section aria-labelledby="distribution">
    <h2 id="distribution">Distribution</h2>
    ${r.rows.length===0?c`<p class="muted">No torrents.</p>`:c`<div class="scroll" tabindex="0" role="region" aria-label="Torrents per category and server">
          <table class="distribution">
            <thead><tr>
              <th scope="col">Category</th>
              ${r.servers.map(t=>c`<th scope="col">${t.title}${t.up?p:c` <span class="badge down">Down</span>`}</th>`)}
              <th scope="col">Total</th>
            </tr></thead>
            <tbody>
              ${r.rows.map(t=>c`<tr>
                  <th scope="row">${t.category||"(none)"}</th>
                  ${t.cells.map(e=>e===null?c`<td aria-label="unknown">—</td>`:c`<td>${J(e.total)}${e.stalled?c`<span class="stalled-count" title="stalled">(${e.stalled}<span class="sr-only"> stalled</span>)</span>`:p}</td>`)}
                  <td>${J(t.total)}</td>
                </tr>`)}
            </tbody>
          </table>
        </div>
        <p class="muted">Stalled torrents in brackets.</p>`}
  </section>`}var se=P`
  :host {
    display: block;
    container-type: inline-size;
    --qb-ok: var(--success-color, #43a047);
    --qb-bad: var(--error-color, #db4437);
    --qb-warn: var(--warning-color, #ffa600);
    --qb-muted: var(--secondary-text-color, #727272);
    --qb-line: var(--divider-color, rgba(127, 127, 127, 0.25));
  }
  ha-card {
    padding: 12px 16px 16px;
    color: var(--primary-text-color);
    overflow: hidden;
  }
  h1 {
    font-size: var(--ha-card-header-font-size, 1.5rem);
    font-weight: 400;
    margin: 4px 0 8px;
  }
  h2 {
    font-size: 1rem;
    font-weight: 500;
    margin: 16px 0 6px;
    color: var(--primary-text-color);
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  ul.grid {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(280px, 1fr));
    column-gap: 20px;
  }
  li.item {
    border-top: 1px solid var(--qb-line);
    padding: 8px 0;
  }
  .head {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 4px 8px;
  }
  .name {
    font-weight: 500;
    min-width: 0;
    overflow-wrap: anywhere;
  }
  .muted {
    color: var(--qb-muted);
    font-size: 0.875rem;
  }
  .badge {
    border-radius: 10px;
    padding: 1px 8px;
    font-size: 0.75rem;
    font-weight: 500;
    color: var(--text-primary-color, #fff);
    background: var(--qb-ok);
  }
  .badge.down,
  .badge.bad {
    background: var(--qb-bad);
  }
  .badge.warn {
    background: var(--qb-warn);
    color: #000;
  }
  .stats {
    display: flex;
    flex-wrap: wrap;
    gap: 2px 14px;
    margin-top: 4px;
    font-variant-numeric: tabular-nums;
  }
  .chips {
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
    margin-top: 6px;
  }
  .chip {
    border: 1px solid var(--qb-line);
    border-radius: 12px;
    padding: 0 8px;
    font-size: 0.8rem;
    white-space: nowrap;
  }
  .chip.stalled,
  .chip.struck,
  .chip.errored,
  .chip.bad,
  .chip.pending {
    border-color: var(--qb-warn);
  }
  .down-text {
    color: var(--qb-bad);
    margin-top: 4px;
  }
  button {
    font: inherit;
    font-size: 0.875rem;
    color: var(--primary-color);
    background: transparent;
    border: 1px solid var(--primary-color);
    border-radius: 16px;
    padding: 4px 12px;
    min-height: 32px;
    cursor: pointer;
  }
  button:hover {
    background: rgba(127, 127, 127, 0.12);
  }
  button:focus-visible {
    outline: 2px solid var(--primary-color);
    outline-offset: 2px;
  }
  button[disabled] {
    opacity: 0.5;
    cursor: default;
  }
  button.danger {
    color: var(--qb-bad);
    border-color: var(--qb-bad);
  }
  button[role="switch"][aria-checked="true"] {
    color: var(--text-primary-color, #fff);
    background: var(--primary-color);
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    margin-top: 6px;
  }
  .scroll {
    overflow-x: auto;
    max-width: 100%;
  }
  table {
    border-collapse: collapse;
    font-variant-numeric: tabular-nums;
    font-size: 0.875rem;
    width: 100%;
  }
  th,
  td {
    padding: 4px 6px;
    text-align: right;
    border-top: 1px solid var(--qb-line);
    white-space: nowrap;
  }
  th[scope="row"],
  thead th:first-child {
    text-align: left;
    white-space: normal;
    overflow-wrap: anywhere;
    max-width: 12em;
  }
  thead th {
    font-weight: 500;
    border-top: none;
    white-space: normal;
    max-width: 9em;
    overflow-wrap: anywhere;
  }
  .stalled-count {
    color: var(--qb-warn);
    font-size: 0.8em;
    margin-left: 2px;
  }
  .result {
    margin-top: 4px;
    font-size: 0.875rem;
  }
  .result.error {
    color: var(--qb-bad);
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  @container (max-width: 420px) {
    ha-card {
      padding: 8px 10px 12px;
    }
    th,
    td {
      padding: 3px 4px;
    }
  }
`;var xe=5e3,re=5,k=class extends f{constructor(){super(...arguments);this._config={type:"custom:qbitrr-card"};this._torrents=[];this._byState=null;this._plan=null;this._planState=null;this._busy=new Set;this._results=new Map;this._confirm=null;this._fetchError=null;this._showAll=!1;this._signature="";this._lastFetch=0;this._ui={label:(e,s)=>this._label(e,s),value:(e,s)=>this._value(e,s),toggle:e=>{this.hass?.callService("switch","toggle",{entity_id:e})}}}static getConfigElement(){return document.createElement("qbitrr-card-editor")}static getStubConfig(){return{type:"custom:qbitrr-card"}}setConfig(e){this._config=G(e)}getCardSize(){return 8}getGridOptions(){return{columns:12,min_columns:6,rows:8}}disconnectedCallback(){super.disconnectedCallback(),clearTimeout(this._timer)}get _servers(){return this.hass?Vt(D(this.hass),this._config.servers):[]}get _apps(){return this.hass?jt(D(this.hass),this._config.apps):[]}updated(e){if(!e.has("hass")||!this.hass)return;let s=ut(this._config);if(!s.includes("problems")&&!s.includes("distribution"))return;let n=Gt(this._servers,this._apps);if(n===this._signature)return;this._signature=n,clearTimeout(this._timer);let i=Math.max(0,this._lastFetch+xe-Date.now());this._timer=setTimeout(()=>{this._fetch()},i)}async _fetch(){let e=this.hass;if(!e)return;this._lastFetch=Date.now();let s=this._config.problems_limit??25,[n,i]=await Promise.allSettled([Xt(e,s),Jt(e)]);this._torrents=n.status==="fulfilled"?n.value:[],this._byState=i.status==="fulfilled"?i.value:null,this._fetchError=n.status==="rejected"?Z(n.reason):null}render(){let e=this._servers,s=this._apps,n={servers:()=>Qt(e,this._ui),apps:()=>te(s),distribution:()=>ee(Kt(e,this._byState)),problems:()=>this._renderProblems(s),plan:()=>this._renderPlan()};return c`<ha-card>
      ${this._config.title?c`<h1>${this._config.title}</h1>`:p}
      ${e.length===0&&s.length===0?c`<p class="muted">No qbitrr servers or apps found.</p>`:ut(this._config).map(i=>n[i]())}
    </ha-card>`}_label(e,s){return this.hass?.localize(`component.qbitrr.entity.${e}.name`)||s}_value(e,s){if(!e||b.has(e.state))return"—";let n=Dt(e.state,e.attributes.unit_of_measurement);return n!==null?s(n):this.hass?.formatEntityState?.(e)??e.state}_renderProblems(e){let s=this._config.problems_limit??25,n=Ft(e,this._torrents,this._plan?.actions??[],s),i=this._showAll?n:n.slice(0,re);return c`<section aria-labelledby="problems">
      <h2 id="problems">Problems</h2>
      ${this._fetchError?c`<p class="result error" role="alert">${this._fetchError}</p>`:p}
      ${n.length===0?c`<p class="muted">Nothing stalled, struck, bad or waiting for removal.</p>`:c`<ul class="grid" id="problem-list">${i.map(o=>this._renderProblem(o))}</ul>`}
      ${n.length>re?c`<div class="actions">
            <button data-action="show-all" aria-controls="problem-list" aria-expanded=${String(this._showAll)}
              @click=${()=>this._showAll=!this._showAll}>
              ${this._showAll?"Show fewer":`Show all ${n.length}`}
            </button>
          </div>`:p}
    </section>`}_renderProblem(e){let s=this._busy.has(e.key),n=this._results.get(e.key),i=this._confirm===e.key;return c`<li class="item problem" data-hash=${e.hash} data-entry=${e.instance}>
      <div class="name" title=${e.name}>${e.name}</div>
      <div class="chips">
        ${e.kinds.map(o=>c`<span class="chip ${o}">${g(o)}</span>`)}
        <span class="muted">${e.serverTitle}${e.app?` · ${e.app}`:""}</span>
      </div>
      ${e.rule?c`<div class="muted">${g(e.rule)}${e.reason?`: ${e.reason}`:""}</div>`:p}
      <div class="actions">
        <button data-action="keep" ?disabled=${s} aria-label="Keep ${e.name}"
          @click=${()=>this._act(e,"keep")}>Keep</button>
        <button data-action="recheck" ?disabled=${s} aria-label="Recheck ${e.name}"
          @click=${()=>this._act(e,"recheck")}>Recheck</button>
        <button data-action="remove" class="danger" ?disabled=${s}
          aria-label=${i?`Confirm removing ${e.name}`:`Remove ${e.name}`}
          @click=${()=>i?this._act(e,"remove"):this._confirm=e.key}>
          ${i?"Confirm remove":"Remove"}
        </button>
        ${i?c`<button @click=${()=>this._confirm=null}>Cancel</button>`:p}
      </div>
      <div class="result ${n&&!n.ok?"error":""}" role="status" aria-live="polite">${n?.text??""}</div>
    </li>`}async _act(e,s){if(!this.hass)return;this._confirm=null,this._busy=new Set([...this._busy,e.key]);let n;try{n={ok:!0,text:await Zt(this.hass,s,e)}}catch(i){n={ok:!1,text:Z(i)}}this._busy=new Set([...this._busy].filter(i=>i!==e.key)),this._results=new Map(this._results).set(e.key,n),this._signature="",this._lastFetch=0,this.requestUpdate("hass")}_renderPlan(){let e=this._planState,s=this._plan;return c`<section aria-labelledby="plan">
      <h2 id="plan">Handling</h2>
      <div class="actions">
        <button data-action="dry-run" ?disabled=${e==="running"} @click=${()=>this._dryRun()}>
          ${e==="running"?"Working out the plan…":"What would handling do?"}
        </button>
      </div>
      <div role="status" aria-live="polite">
        ${e&&e!=="running"&&!e.ok?c`<p class="result error">${e.text}</p>`:p}
        ${s?this._planList(s):p}
      </div>
    </section>`}_planList(e){let s=Wt(e.actions),n=Object.values(e.skipped_arrs??{});return c`<p class="muted">
        ${s.length?`${Y(s.length,"action")} planned (dry run, nothing done):`:"Nothing to do right now."}
      </p>
      <ul class="grid plan">
        ${s.map(i=>c`<li class="item">
            <div class="head"><span class="chip">${g(i.action)}</span><span class="name">${i.name}</span></div>
            <div class="muted">${i.instance_title} · ${i.arr_title} · ${g(i.rule)}${i.reason?`: ${i.reason}`:""}</div>
          </li>`)}
      </ul>
      ${n.length?c`<p class="muted">Not judged: ${n.map(i=>`${i.title} (${i.error})`).join(", ")}</p>`:p}`}async _dryRun(){if(this.hass){this._planState="running";try{this._plan=await Yt(this.hass),this._planState={ok:!0,text:""}}catch(e){this._planState={ok:!1,text:Z(e)}}}}};k.styles=se,k.properties={hass:{attribute:!1},_config:{state:!0},_torrents:{state:!0},_byState:{state:!0},_plan:{state:!0},_planState:{state:!0},_busy:{state:!0},_results:{state:!0},_confirm:{state:!0},_fetchError:{state:!0},_showAll:{state:!0}};var T=class extends f{constructor(){super(...arguments);this._config={type:"custom:qbitrr-card"}}setConfig(e){this._config=G(e)}_change(e){this._config=e,this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:e},bubbles:!0,composed:!0}))}render(){let e=this.hass?D(this.hass):[],s=e.filter(o=>o.model===q),n=e.filter(o=>o.model!==q),i=this._config;return c`
      <label>Title
        <input type="text" .value=${i.title??""}
          @change=${o=>this._change(X(i,"title",o.target.value))} />
      </label>
      ${this._checklist("Sections","sections",U.map(o=>[o,g(o)]))}
      ${this._checklist("Servers","servers",s.map(o=>[o.entryId,o.title]))}
      ${this._checklist("Apps","apps",n.map(o=>[o.entryId,`${o.title} (${o.model})`]))}
      <label>Problems listed at most
        <input type="number" min="1" max=${200} .value=${String(i.problems_limit??25)}
          @change=${o=>{let d=Number(o.target.value);Number.isInteger(d)&&d>=1&&d<=200&&this._change(X(i,"problems_limit",d===25?void 0:d))}} />
      </label>
    `}_checklist(e,s,n){let i=n.map(([d])=>d),o=this._config[s];return c`<fieldset>
      <legend>${e}</legend>
      ${n.map(([d,a])=>c`<label>
          <input type="checkbox" .checked=${!o||o.includes(d)}
            @change=${l=>{let u=Bt(o,i,d,l.target.checked);this._change(X(this._config,s,u))}} />
          ${a}
        </label>`)}
    </fieldset>`}};T.properties={hass:{attribute:!1},_config:{state:!0}},T.styles=P`
    fieldset {
      border: 1px solid var(--divider-color, #ccc);
      border-radius: 8px;
      margin: 0 0 12px;
      padding: 8px 12px;
    }
    legend {
      padding: 0 4px;
      font-weight: 500;
    }
    label {
      display: flex;
      align-items: center;
      gap: 8px;
      min-height: 32px;
      color: var(--primary-text-color);
    }
    input[type="text"],
    input[type="number"] {
      font: inherit;
      padding: 6px;
      color: var(--primary-text-color);
      background: var(--card-background-color, transparent);
      border: 1px solid var(--divider-color, #ccc);
      border-radius: 4px;
    }
  `;var Se=5e3;function Ee(r){r.get("qbitrr-card")||(r.define("qbitrr-card",k),r.define("qbitrr-card-editor",T),window.customCards=window.customCards??[],window.customCards.push({type:"qbitrr-card",name:"qbitrr",description:"qBittorrent servers, Arr apps, torrents per category and server, and the torrents that need a decision.",preview:!0,documentationURL:"https://github.com/qbitrr/qbitrr-homeassistant#the-qbitrr-card"}))}var Ce=window.customElements;Promise.race([Ce.whenDefined("home-assistant"),new Promise(r=>setTimeout(r,Se))]).then(()=>Ee(window.customElements));
