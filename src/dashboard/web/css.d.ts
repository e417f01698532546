// esbuild bundles imported stylesheets into the page's one .css file (src/dashboard/bundle-web.ts)
declare module '*.css'
