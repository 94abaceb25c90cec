// ThreadSanitizer builds only (the tsan preset): librdkafka uses C11 threads (thrd_*, mtx_*, cnd_*),
// which glibc 2.36 implements without going through the pthread functions TSan intercepts. TSan then
// has no state for librdkafka's threads (its allocator crashes on their first malloc) and does not see
// its locks (every hand-over through a librdkafka queue looks like a race). Defined in the executable,
// these take precedence for librdkafka and go through pthread, which TSan sees. glibc's mtx_t and cnd_t
// hold a pthread_mutex_t and a pthread_cond_t (that is how glibc implements them itself).
#include <pthread.h>
#include <threads.h>

#include <cerrno>
#include <cstdint>
#include <new>

namespace {

struct Start {
  thrd_start_t function;
  void* argument;
};

void* runC11Thread(void* raw) {
  const Start start = *static_cast<Start*>(raw);
  delete static_cast<Start*>(raw);
  // thrd_join reads the int result back from the pointer pthread_join gives.
  return reinterpret_cast<void*>(static_cast<std::intptr_t>(start.function(start.argument)));
}

}  // namespace

extern "C" int thrd_create(thrd_t* thread, thrd_start_t function, void* argument) {
  auto* start = new (std::nothrow) Start{function, argument};
  if (start == nullptr) return thrd_nomem;
  if (pthread_create(thread, nullptr, &runC11Thread, start) != 0) {
    delete start;
    return thrd_error;
  }
  return thrd_success;
}

extern "C" int thrd_join(thrd_t thread, int* result) {
  void* value = nullptr;
  if (pthread_join(thread, &value) != 0) return thrd_error;
  if (result != nullptr) *result = static_cast<int>(reinterpret_cast<std::intptr_t>(value));
  return thrd_success;
}

extern "C" int thrd_detach(thrd_t thread) { return pthread_detach(thread) == 0 ? thrd_success : thrd_error; }

namespace {

pthread_mutex_t* asPthread(mtx_t* mutex) { return reinterpret_cast<pthread_mutex_t*>(mutex); }
pthread_cond_t* asPthread(cnd_t* condition) { return reinterpret_cast<pthread_cond_t*>(condition); }
int result(int error) {
  if (error == 0) return thrd_success;
  if (error == ETIMEDOUT) return thrd_timedout;
  if (error == EBUSY) return thrd_busy;
  return thrd_error;
}

}  // namespace

extern "C" int mtx_init(mtx_t* mutex, int type) {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  if ((type & mtx_recursive) != 0) pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE);
  const int error = pthread_mutex_init(asPthread(mutex), &attributes);
  pthread_mutexattr_destroy(&attributes);
  return result(error);
}
extern "C" int mtx_lock(mtx_t* mutex) { return result(pthread_mutex_lock(asPthread(mutex))); }
extern "C" int mtx_trylock(mtx_t* mutex) { return result(pthread_mutex_trylock(asPthread(mutex))); }
extern "C" int mtx_timedlock(mtx_t* mutex, const struct timespec* until) {
  return result(pthread_mutex_timedlock(asPthread(mutex), until));
}
extern "C" int mtx_unlock(mtx_t* mutex) { return result(pthread_mutex_unlock(asPthread(mutex))); }
extern "C" void mtx_destroy(mtx_t* mutex) { pthread_mutex_destroy(asPthread(mutex)); }

extern "C" int cnd_init(cnd_t* condition) { return result(pthread_cond_init(asPthread(condition), nullptr)); }
extern "C" int cnd_signal(cnd_t* condition) { return result(pthread_cond_signal(asPthread(condition))); }
extern "C" int cnd_broadcast(cnd_t* condition) { return result(pthread_cond_broadcast(asPthread(condition))); }
extern "C" int cnd_wait(cnd_t* condition, mtx_t* mutex) {
  return result(pthread_cond_wait(asPthread(condition), asPthread(mutex)));
}
extern "C" int cnd_timedwait(cnd_t* condition, mtx_t* mutex, const struct timespec* until) {
  return result(pthread_cond_timedwait(asPthread(condition), asPthread(mutex), until));
}
extern "C" void cnd_destroy(cnd_t* condition) { pthread_cond_destroy(asPthread(condition)); }
