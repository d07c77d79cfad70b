# Copies one lesson's solution and applies a mutant patch to the copy.
# cmake -DPATCH=... -DSOURCE_DIR=solutions/NN_slug -DCOPY_ROOT=... -DCOPY_DIR=COPY_ROOT/solutions/NN_slug
#       -DPATCH_PROGRAM=patch -P ApplyMutant.cmake
# Strict: no fuzz, so a mutant whose context has drifted from the solution fails the build loudly.
file(REMOVE_RECURSE "${COPY_ROOT}")
file(MAKE_DIRECTORY "${COPY_DIR}")
file(COPY "${SOURCE_DIR}/" DESTINATION "${COPY_DIR}")
execute_process(
  COMMAND "${PATCH_PROGRAM}" -p1 --batch --forward --fuzz=0 --no-backup-if-mismatch --reject-file=-
          -d "${COPY_ROOT}" -i "${PATCH}"
  OUTPUT_VARIABLE output ERROR_VARIABLE output RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "Mutant ${PATCH} no longer applies to ${SOURCE_DIR}. Regenerate it from a "
    "changed copy of the solution with 'git diff'.\n${output}")
endif()
# file(COPY) keeps old timestamps; outputs must look newer than the patch or the build reruns forever.
file(GLOB_RECURSE copied "${COPY_DIR}/*")
file(TOUCH_NOCREATE ${copied})
