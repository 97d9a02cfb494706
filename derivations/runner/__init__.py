"""How claims and documents are run and shown: the claim registry (:mod:`.registry`), the
executor that runs claim × method tasks on worker processes (:mod:`.executor`), the report and
its writers (:mod:`.report`, :mod:`.report_io`), the command line (:mod:`.cli`), the pytest
plugin (:mod:`.pytest_plugin`) and the assertions for users' test suites (:mod:`.testing`,
public as :mod:`derivations.testing`)."""
