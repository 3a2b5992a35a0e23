"""The CRM side panel: the workspace's connection to HubSpot or Salesforce, and looking a
conversation's customer up there by email address. See docs/crm.md."""
