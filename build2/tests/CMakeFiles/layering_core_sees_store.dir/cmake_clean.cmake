file(REMOVE_RECURSE
  "CMakeFiles/layering_core_sees_store.dir/layering/core_sees_store.c.o"
  "CMakeFiles/layering_core_sees_store.dir/layering/core_sees_store.c.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/layering_core_sees_store.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
