# The peers that demos and bench programs measure the course's code against: oneTBB and moodycamel's
# concurrentqueue, when installed (Debian: libtbb-dev, libconcurrentqueue-dev). Everything builds
# without them; the comparison with a missing peer is then skipped, and says so.
#
#   threadlings_use_peers(TARGETS lesson08_queues_exercise lesson08_queues_solution PEERS TBB MOODYCAMEL)
#
# Each listed target that exists gets the peer (TBB::tbb linked, or moodycamel's include folder) and
# the definition THREADLINGS_HAVE_TBB=1 or THREADLINGS_HAVE_MOODYCAMEL=1 for `#if defined(...)`.
# Nothing happens under a sanitizer: a benchmark means nothing there, and the prebuilt libtbb is not
# instrumented (ThreadSanitizer reports its internal synchronization as races).
function(threadlings_use_peers)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "" "TARGETS;PEERS")
  if(THREADLINGS_SANITIZER)
    return()
  endif()
  foreach(peer IN LISTS arg_PEERS)
    if(peer STREQUAL "TBB")
      find_package(TBB QUIET)
      if(NOT TBB_FOUND)
        continue()
      endif()
    elseif(peer STREQUAL "MOODYCAMEL")
      find_path(THREADLINGS_MOODYCAMEL_INCLUDE_DIR concurrentqueue/blockingconcurrentqueue.h)
      if(NOT THREADLINGS_MOODYCAMEL_INCLUDE_DIR)
        continue()
      endif()
    else()
      message(FATAL_ERROR "threadlings_use_peers: unknown peer '${peer}' (known: TBB MOODYCAMEL)")
    endif()
    foreach(target IN LISTS arg_TARGETS)
      if(NOT TARGET ${target})
        continue()  # that track is not built in this configuration
      endif()
      if(peer STREQUAL "TBB")
        target_link_libraries(${target} PRIVATE TBB::tbb)
      else()
        target_include_directories(${target} SYSTEM PRIVATE "${THREADLINGS_MOODYCAMEL_INCLUDE_DIR}")
      endif()
      target_compile_definitions(${target} PRIVATE THREADLINGS_HAVE_${peer}=1)
    endforeach()
  endforeach()
endfunction()
