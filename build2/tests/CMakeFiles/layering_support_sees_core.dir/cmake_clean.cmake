file(REMOVE_RECURSE
  "CMakeFiles/layering_support_sees_core.dir/layering/support_sees_core.c.o"
  "CMakeFiles/layering_support_sees_core.dir/layering/support_sees_core.c.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/layering_support_sees_core.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
