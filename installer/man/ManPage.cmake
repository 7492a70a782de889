# Writes a man page from a template and the program's own --help texts, so the page and --help cannot
# drift apart (tests/installer compares them again in the built package). Run by installer/CMakeLists.txt:
#   cmake -DPROGRAM=bin -DNAME=mamori-agent -DCOMMANDS="scan;ctl" -DTEMPLATE=x.8.in -DVERSION=0.1.0
#         -DOUTPUT=x.8 -P ManPage.cmake
cmake_minimum_required(VERSION 3.25)  # new policies: @VAR@ in quoted strings stays literal

# The template's @HELP@ line becomes the main --help text, then one subsection per command's --help.

# One help text as a roff no-fill block: backslashes and minus signs escaped, a leading . or ' made
# literal so no line turns into a roff request.
function(help_block out)
  execute_process(COMMAND ${PROGRAM} ${ARGN} --help OUTPUT_VARIABLE text ERROR_VARIABLE error
                  RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${NAME} ${ARGN} --help exited ${status}: ${error}")
  endif()
  if(text STREQUAL "")
    set(text "${error}")
  endif()
  string(REPLACE "\\" "\\e" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  string(REGEX REPLACE "\n+$" "" text "${text}")
  set(${out} ".nf\n${text}\n.fi" PARENT_SCOPE)
endfunction()

help_block(main)
set(help "${main}")
foreach(command IN LISTS COMMANDS)
  help_block(sub ${command})
  string(REPLACE "-" "\\-" title "${NAME} ${command}")
  string(APPEND help "\n.SS \"${title}\"\n${sub}")
endforeach()

file(READ ${TEMPLATE} page)
string(REPLACE "@VERSION@" "${VERSION}" page "${page}")
string(REPLACE "@HELP@" "${help}" page "${page}")
file(WRITE ${OUTPUT} "${page}")
