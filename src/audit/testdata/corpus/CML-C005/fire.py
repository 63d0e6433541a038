import requests
r = requests.get(url, verify=False)
r2 = requests.post(
    url,
    json=body,
    verify=False,
)
