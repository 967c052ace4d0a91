// Compiled into sse-gateway when it links jemalloc (SSE_ALLOCATOR=jemalloc, the default); jemalloc
// reads this symbol when it starts (MALLOC_CONF in the environment adds to it).
//
// background_thread: jemalloc's own thread returns freed pages to the OS after its decay time
// (10 s by default), so memory comes back after a peak even when the gateway then sits idle;
// without it, purging happens only inside later malloc/free calls. See BENCHMARKS.md,
// "Allocator", for the measurements behind the choice.
extern "C" {
// The name and type are jemalloc's interface.
const char* malloc_conf = "background_thread:true";
}
