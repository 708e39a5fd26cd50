"""Documents the consultation can produce (催款函, 民事起诉状, 还款协议, 协商还款申请书) as Word files.

``catalogue.yaml`` lists them and the variables their templates use; ``builder`` turns facts into those
variables (figures from the calculators in ``law/``); ``render`` fills the docxtpl templates in
``templates/``; ``dialogue`` is what the engine asks during the documents flow.
"""
