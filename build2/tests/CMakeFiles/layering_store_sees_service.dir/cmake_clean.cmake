file(REMOVE_RECURSE
  "CMakeFiles/layering_store_sees_service.dir/layering/store_sees_service.c.o"
  "CMakeFiles/layering_store_sees_service.dir/layering/store_sees_service.c.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/layering_store_sees_service.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
