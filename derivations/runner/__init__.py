"""How claims and documents are run and shown: the claim registry
(:mod:`derivations.runner.registry`), the executor that runs claim × method tasks on worker
processes (:mod:`derivations.runner.executor`), the report and its writers
(:mod:`derivations.runner.report`, :mod:`derivations.runner.report_io`), the command line
(:mod:`derivations.runner.cli`), the pytest plugin (:mod:`derivations.runner.pytest_plugin`) and the
assertions for users' test suites (:mod:`derivations.runner.testing`, public as
:mod:`derivations.testing`)."""
