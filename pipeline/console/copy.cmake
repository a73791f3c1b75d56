# Copies the operator console (index.html and hls.js) into the build tree, where strait serves it
# from (pipeline/console.h). Run at build time by the strait_console target:
#   cmake -DSRC=<source dir of this file> -DDST=<build>/console -P copy.cmake
# hls.min.js comes from npm (`npm ci` here, run by scripts/install-deps.sh). Without it the build
# still succeeds — strait runs without the console's preview — but says what to run, and so do the
# page and the server's 404.
file(MAKE_DIRECTORY ${DST})
file(COPY_FILE ${SRC}/index.html ${DST}/index.html ONLY_IF_DIFFERENT)
set(hls ${SRC}/node_modules/hls.js/dist/hls.min.js)
if(EXISTS ${hls})
  file(COPY_FILE ${hls} ${DST}/hls.min.js ONLY_IF_DIFFERENT)
else()
  file(REMOVE ${DST}/hls.min.js)
  message(WARNING "console: ${hls} is missing: run scripts/install-deps.sh (npm ci in "
                  "pipeline/console) and rebuild, or the console at /console has no preview")
endif()
