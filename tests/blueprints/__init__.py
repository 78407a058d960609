"""The automation blueprints and the example dashboard, checked with Home Assistant itself.

Every blueprint is loaded with Home Assistant's blueprint loader and schema, and every input's
selector (and default) is validated by the selector helper. Then each blueprint runs end to end
in the test harness: a real ``automation`` set up with ``use_blueprint``, fake qbitrr states,
events and services, and a real ``mobile_app`` registration whose notify service is replaced by
a recorder, so the blueprints' ``mobile_app`` device action resolves the phone as it would in a
real installation.
"""
