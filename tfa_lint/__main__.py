from tfa_lint.cli import main

main()
