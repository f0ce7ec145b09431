"""Factor V — Build, release, run: build once, release an identifiable build, run it unchanged.

(The floating base image check of this factor is TFA0207, under Dependencies.)
"""
