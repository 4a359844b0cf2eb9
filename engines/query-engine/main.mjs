// placeholder, replaced by the query engine host
if (process.argv.includes('--version')) { console.log('query-engine 393aa359c9ad4a4bb28630fb5613f9c281cde053'); process.exit(0) }
console.error('query engine host not built yet'); process.exit(1)
