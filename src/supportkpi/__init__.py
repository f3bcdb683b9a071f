"""supportkpi: trustworthy customer-support KPIs from helpdesk exports.

The command line (`supportkpi …`) is a thin layer over this library:

    from supportkpi.run import compute
    report = compute(tickets=["tickets.csv"], surveys=["surveys.csv"], by=[["channel"]])
    report.to_dict()["results"]

Importing the package is cheap: numpy, pyarrow and rich load only when used.
"""

__version__ = "0.1.0"
